using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cinder.Core;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Products with F32, F16 and BF16 weights read in place (row-major, as in the file). Tiles of 4 rows ×
/// 4 tokens keep 16 accumulators whose lanes run along the columns, so each converted weight vector is used
/// by four tokens and each activation vector by four rows; every output is one accumulator reduced at the
/// end. For F32 with columns a multiple of the vector width this is llamafile's tinyBLAS order (one FMA
/// accumulator per output, then the reduce_add order), so F32 models match llama.cpp bit for bit.
/// </summary>
public static unsafe class FloatKernels
{
    /// <summary>True when the kernels take <paramref name="type"/>.</summary>
    public static bool Supports(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    /// <summary>
    /// y[t·yStride + r] = Σ_c W[r,c]·x[t·Columns + c] for rows [rowStart, rowEnd) and tokens [0, tokens),
    /// x already multiplied by the weight type's activation scale (2^112 for F16, see <see cref="F16Weights"/>).
    /// </summary>
    public static void Multiply(in WeightMatrix w, float* x, float* y, int yStride, int rowStart, int rowEnd, int tokens, FloatIsa isa)
    {
        switch (w.Type)
        {
            case GgmlType.F32: Multiply<F32Weights>(w, x, y, yStride, rowStart, rowEnd, tokens, isa); break;
            case GgmlType.F16: Multiply<F16Weights>(w, x, y, yStride, rowStart, rowEnd, tokens, isa); break;
            case GgmlType.BF16: Multiply<Bf16Weights>(w, x, y, yStride, rowStart, rowEnd, tokens, isa); break;
            default: throw new UnsupportedTensorTypeException(w.Type, "not a floating-point weight type", w.Name);
        }
    }

    private static void Multiply<TW>(in WeightMatrix w, float* x, float* y, int yStride, int rowStart, int rowEnd, int tokens, FloatIsa isa)
        where TW : unmanaged, IFloatWeights
    {
        int k = w.Columns;
        int width = isa switch { FloatIsa.Vector512 => 16, FloatIsa.Vector256 => 8, FloatIsa.Vector128 => 4, _ => 1 };
        if (isa == FloatIsa.Scalar || k % width != 0)
        {
            // F32 with ragged rows keeps ggml_vec_dot_f32's order; other types and the scalar path go one output at a time.
            for (int r = rowStart; r < rowEnd; r++)
            {
                for (int t = 0; t < tokens; t++)
                {
                    y[(long)t * yStride + r] = TW.Type == GgmlType.F32 && isa != FloatIsa.Scalar
                        ? F32Dot.Dot((float*)w.Row(r), x + (long)t * k, k)
                        : DotScalar<TW>(w.Row(r), x + (long)t * k, k);
                }
            }
            return;
        }
        int row = rowStart;
        for (; row + 4 <= rowEnd; row += 4)
        {
            byte* w0 = w.Row(row), w1 = w.Row(row + 1), w2 = w.Row(row + 2), w3 = w.Row(row + 3);
            int t = 0;
            for (; t + 4 <= tokens; t += 4)
            {
                float* x0 = x + (long)t * k;
                float* yt = y + (long)t * yStride + row;
                switch (isa)
                {
                    case FloatIsa.Vector512: Tile4x4V512<TW>(w0, w1, w2, w3, x0, k, yt, yStride); break;
                    case FloatIsa.Vector256: Tile4x4V256<TW>(w0, w1, w2, w3, x0, k, yt, yStride); break;
                    default: Tile4x1V128<TW>(w0, w1, w2, w3, x0, k, yt); Tile4x1V128<TW>(w0, w1, w2, w3, x0 + k, k, yt + yStride);
                        Tile4x1V128<TW>(w0, w1, w2, w3, x0 + 2 * k, k, yt + 2 * yStride); Tile4x1V128<TW>(w0, w1, w2, w3, x0 + 3 * k, k, yt + 3 * yStride); break;
                }
            }
            for (; t < tokens; t++)
            {
                float* xt = x + (long)t * k;
                float* yt = y + (long)t * yStride + row;
                switch (isa)
                {
                    case FloatIsa.Vector512: Tile4x1V512<TW>(w0, w1, w2, w3, xt, k, yt); break;
                    case FloatIsa.Vector256: Tile4x1V256<TW>(w0, w1, w2, w3, xt, k, yt); break;
                    default: Tile4x1V128<TW>(w0, w1, w2, w3, xt, k, yt); break;
                }
            }
        }
        for (; row < rowEnd; row++)
        {
            for (int t = 0; t < tokens; t++)
            {
                float* xt = x + (long)t * k;
                y[(long)t * yStride + row] = isa switch
                {
                    FloatIsa.Vector512 => Dot1V512<TW>(w.Row(row), xt, k),
                    FloatIsa.Vector256 => Dot1V256<TW>(w.Row(row), xt, k),
                    _ => Dot1V128<TW>(w.Row(row), xt, k),
                };
            }
        }
    }

    /// <summary>The scalar reference: Σ w·x in double (x pre-scaled like the vector paths').</summary>
    public static float DotScalar<TW>(byte* w, float* x, int k) where TW : unmanaged, IFloatWeights
    {
        double sum = 0;
        for (int c = 0; c < k; c++) sum += (double)TW.Load1(w, c) * x[c];
        return (float)sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x4V512<TW>(byte* w0, byte* w1, byte* w2, byte* w3, float* x, int k, float* y, int yStride) where TW : unmanaged, IFloatWeights
    {
        float* x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int c = 0; c < k; c += 16)
        {
            var v0 = Vector512.Load(x + c);
            var v1 = Vector512.Load(x1 + c);
            var v2 = Vector512.Load(x2 + c);
            var v3 = Vector512.Load(x3 + c);
            var q = TW.Load16(w0, c);
            a00 = Vector512.FusedMultiplyAdd(q, v0, a00); a01 = Vector512.FusedMultiplyAdd(q, v1, a01);
            a02 = Vector512.FusedMultiplyAdd(q, v2, a02); a03 = Vector512.FusedMultiplyAdd(q, v3, a03);
            q = TW.Load16(w1, c);
            a10 = Vector512.FusedMultiplyAdd(q, v0, a10); a11 = Vector512.FusedMultiplyAdd(q, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(q, v2, a12); a13 = Vector512.FusedMultiplyAdd(q, v3, a13);
            q = TW.Load16(w2, c);
            a20 = Vector512.FusedMultiplyAdd(q, v0, a20); a21 = Vector512.FusedMultiplyAdd(q, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(q, v2, a22); a23 = Vector512.FusedMultiplyAdd(q, v3, a23);
            q = TW.Load16(w3, c);
            a30 = Vector512.FusedMultiplyAdd(q, v0, a30); a31 = Vector512.FusedMultiplyAdd(q, v1, a31);
            a32 = Vector512.FusedMultiplyAdd(q, v2, a32); a33 = Vector512.FusedMultiplyAdd(q, v3, a33);
        }
        y[0] = F32Dot.Reduce(a00); y[1] = F32Dot.Reduce(a10); y[2] = F32Dot.Reduce(a20); y[3] = F32Dot.Reduce(a30);
        y += yStride;
        y[0] = F32Dot.Reduce(a01); y[1] = F32Dot.Reduce(a11); y[2] = F32Dot.Reduce(a21); y[3] = F32Dot.Reduce(a31);
        y += yStride;
        y[0] = F32Dot.Reduce(a02); y[1] = F32Dot.Reduce(a12); y[2] = F32Dot.Reduce(a22); y[3] = F32Dot.Reduce(a32);
        y += yStride;
        y[0] = F32Dot.Reduce(a03); y[1] = F32Dot.Reduce(a13); y[2] = F32Dot.Reduce(a23); y[3] = F32Dot.Reduce(a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x1V512<TW>(byte* w0, byte* w1, byte* w2, byte* w3, float* x, int k, float* y) where TW : unmanaged, IFloatWeights
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int c = 0; c < k; c += 16)
        {
            var v = Vector512.Load(x + c);
            a0 = Vector512.FusedMultiplyAdd(TW.Load16(w0, c), v, a0);
            a1 = Vector512.FusedMultiplyAdd(TW.Load16(w1, c), v, a1);
            a2 = Vector512.FusedMultiplyAdd(TW.Load16(w2, c), v, a2);
            a3 = Vector512.FusedMultiplyAdd(TW.Load16(w3, c), v, a3);
        }
        y[0] = F32Dot.Reduce(a0);
        y[1] = F32Dot.Reduce(a1);
        y[2] = F32Dot.Reduce(a2);
        y[3] = F32Dot.Reduce(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot1V512<TW>(byte* w, float* x, int k) where TW : unmanaged, IFloatWeights
    {
        var a = Vector512<float>.Zero;
        for (int c = 0; c < k; c += 16) a = Vector512.FusedMultiplyAdd(TW.Load16(w, c), Vector512.Load(x + c), a);
        return F32Dot.Reduce(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x4V256<TW>(byte* w0, byte* w1, byte* w2, byte* w3, float* x, int k, float* y, int yStride) where TW : unmanaged, IFloatWeights
    {
        float* x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int c = 0; c < k; c += 8)
        {
            var v0 = Vector256.Load(x + c);
            var v1 = Vector256.Load(x1 + c);
            var v2 = Vector256.Load(x2 + c);
            var v3 = Vector256.Load(x3 + c);
            var q = TW.Load8(w0, c);
            a00 = Vector256.FusedMultiplyAdd(q, v0, a00); a01 = Vector256.FusedMultiplyAdd(q, v1, a01);
            a02 = Vector256.FusedMultiplyAdd(q, v2, a02); a03 = Vector256.FusedMultiplyAdd(q, v3, a03);
            q = TW.Load8(w1, c);
            a10 = Vector256.FusedMultiplyAdd(q, v0, a10); a11 = Vector256.FusedMultiplyAdd(q, v1, a11);
            a12 = Vector256.FusedMultiplyAdd(q, v2, a12); a13 = Vector256.FusedMultiplyAdd(q, v3, a13);
            q = TW.Load8(w2, c);
            a20 = Vector256.FusedMultiplyAdd(q, v0, a20); a21 = Vector256.FusedMultiplyAdd(q, v1, a21);
            a22 = Vector256.FusedMultiplyAdd(q, v2, a22); a23 = Vector256.FusedMultiplyAdd(q, v3, a23);
            q = TW.Load8(w3, c);
            a30 = Vector256.FusedMultiplyAdd(q, v0, a30); a31 = Vector256.FusedMultiplyAdd(q, v1, a31);
            a32 = Vector256.FusedMultiplyAdd(q, v2, a32); a33 = Vector256.FusedMultiplyAdd(q, v3, a33);
        }
        y[0] = F32Dot.Reduce(a00); y[1] = F32Dot.Reduce(a10); y[2] = F32Dot.Reduce(a20); y[3] = F32Dot.Reduce(a30);
        y += yStride;
        y[0] = F32Dot.Reduce(a01); y[1] = F32Dot.Reduce(a11); y[2] = F32Dot.Reduce(a21); y[3] = F32Dot.Reduce(a31);
        y += yStride;
        y[0] = F32Dot.Reduce(a02); y[1] = F32Dot.Reduce(a12); y[2] = F32Dot.Reduce(a22); y[3] = F32Dot.Reduce(a32);
        y += yStride;
        y[0] = F32Dot.Reduce(a03); y[1] = F32Dot.Reduce(a13); y[2] = F32Dot.Reduce(a23); y[3] = F32Dot.Reduce(a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x1V256<TW>(byte* w0, byte* w1, byte* w2, byte* w3, float* x, int k, float* y) where TW : unmanaged, IFloatWeights
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int c = 0; c < k; c += 8)
        {
            var v = Vector256.Load(x + c);
            a0 = Vector256.FusedMultiplyAdd(TW.Load8(w0, c), v, a0);
            a1 = Vector256.FusedMultiplyAdd(TW.Load8(w1, c), v, a1);
            a2 = Vector256.FusedMultiplyAdd(TW.Load8(w2, c), v, a2);
            a3 = Vector256.FusedMultiplyAdd(TW.Load8(w3, c), v, a3);
        }
        y[0] = F32Dot.Reduce(a0);
        y[1] = F32Dot.Reduce(a1);
        y[2] = F32Dot.Reduce(a2);
        y[3] = F32Dot.Reduce(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot1V256<TW>(byte* w, float* x, int k) where TW : unmanaged, IFloatWeights
    {
        var a = Vector256<float>.Zero;
        for (int c = 0; c < k; c += 8) a = Vector256.FusedMultiplyAdd(TW.Load8(w, c), Vector256.Load(x + c), a);
        return F32Dot.Reduce(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x1V128<TW>(byte* w0, byte* w1, byte* w2, byte* w3, float* x, int k, float* y) where TW : unmanaged, IFloatWeights
    {
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int c = 0; c < k; c += 4)
        {
            var v = Vector128.Load(x + c);
            a0 = Vector128.FusedMultiplyAdd(TW.Load4(w0, c), v, a0);
            a1 = Vector128.FusedMultiplyAdd(TW.Load4(w1, c), v, a1);
            a2 = Vector128.FusedMultiplyAdd(TW.Load4(w2, c), v, a2);
            a3 = Vector128.FusedMultiplyAdd(TW.Load4(w3, c), v, a3);
        }
        y[0] = F32Dot.Reduce(a0);
        y[1] = F32Dot.Reduce(a1);
        y[2] = F32Dot.Reduce(a2);
        y[3] = F32Dot.Reduce(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot1V128<TW>(byte* w, float* x, int k) where TW : unmanaged, IFloatWeights
    {
        var a = Vector128<float>.Zero;
        for (int c = 0; c < k; c += 4) a = Vector128.FusedMultiplyAdd(TW.Load4(w, c), Vector128.Load(x + c), a);
        return F32Dot.Reduce(a);
    }
}
