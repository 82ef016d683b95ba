using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cinder.Kernels.Simd;

/// <summary>
/// F32 dot products. The vector paths sum in the same order as llama.cpp's CPU backend on the same ISA
/// (llamafile's tinyBLAS when the length is a multiple of the vector width, ggml_vec_dot_f32 otherwise),
/// so an F32 model gives bit-identical activations; that keeps the F16 roundings of the KV cache in step
/// with llama.cpp and the logits within 1e-5 of its own.
/// </summary>
public static unsafe class F32Dot
{
    /// <summary>The scalar reference: Σ x[i]·y[i], accumulated in double.</summary>
    public static float Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)x[i] * y[i];
        return (float)sum;
    }

    /// <summary>The widest accelerated path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int n)
    {
        if (Vector512.IsHardwareAccelerated) return n % 16 == 0 ? Tiny512(x, y, n) : Ggml512(x, y, n);
        if (Vector256.IsHardwareAccelerated) return n % 8 == 0 ? Tiny256(x, y, n) : Ggml256(x, y, n);
        return Scalar(x, y, n);
    }

    /// <summary>tinyBLAS on AVX-512: one 16-lane FMA accumulator, then _mm512_reduce_add_ps.</summary>
    internal static float Tiny512(float* x, float* y, int n)
    {
        var acc = Vector512<float>.Zero;
        for (int i = 0; i < n; i += 16)
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
        return Reduce(acc);
    }

    /// <summary>ggml_vec_dot_f32 on AVX-512: four 16-lane accumulators over blocks of 64, tree-reduced, then a scalar tail.</summary>
    internal static float Ggml512(float* x, float* y, int n)
    {
        int np = n & ~63;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < np; i += 64)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i + 16), Vector512.Load(y + i + 16), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i + 32), Vector512.Load(y + i + 32), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i + 48), Vector512.Load(y + i + 48), s3);
        }
        s0 += s2;
        s1 += s3;
        s0 += s1;
        float sum = Reduce(s0);
        for (int i = np; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>tinyBLAS on AVX2: one 8-lane FMA accumulator, then its hsum.</summary>
    internal static float Tiny256(float* x, float* y, int n)
    {
        var acc = Vector256<float>.Zero;
        for (int i = 0; i < n; i += 8)
            acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), acc);
        return Reduce(acc);
    }

    /// <summary>ggml_vec_dot_f32 on AVX2: four 8-lane accumulators over blocks of 32.</summary>
    internal static float Ggml256(float* x, float* y, int n)
    {
        int np = n & ~31;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < np; i += 32)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), Vector256.Load(y + i + 8), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 16), Vector256.Load(y + i + 16), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 24), Vector256.Load(y + i + 24), s3);
        }
        s0 += s2;
        s1 += s3;
        s0 += s1;
        float sum = Reduce(s0);
        for (int i = np; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    internal static float Scalar(float* x, float* y, int n)
    {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>The order of _mm512_reduce_add_ps: halves, quarters, then (0+2)+(1+3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector512<float> v) => Reduce(v.GetUpper() + v.GetLower());

    /// <summary>The order of ggml's AVX hsum: high+low 128-bit halves, then movehl, then movehdup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector256<float> v) => Reduce(v.GetUpper() + v.GetLower());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector128<float> v) => (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));
}
