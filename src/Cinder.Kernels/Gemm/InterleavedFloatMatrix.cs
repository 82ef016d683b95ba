using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cinder.Core;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// F32, F16 or BF16 weights copied at load into huge-page memory with rows in groups of eight, each group's
/// rows interleaved by 16 columns: [chunk][row 0..7][16 values]. A GEMV then reads one contiguous stream per
/// worker instead of one stream per row (row-major rows cross a page every few KiB, and the hardware
/// prefetchers stop at each page), and each output is still one 16-lane accumulator reduced at the end —
/// llamafile's tinyBLAS order, so F32 models stay bit-identical to llama.cpp.
/// </summary>
public sealed unsafe class InterleavedFloatMatrix : IDisposable
{
    private const int Chunk = 16;
    private readonly NativeBuffer _buffer;
    private readonly WeightMatrix[] _parts;

    /// <param name="parts">Matrices of one float type and width, stacked row-wise; rows of each a multiple of 8, width a multiple of 16.</param>
    public InterleavedFloatMatrix(IReadOnlyList<WeightMatrix> parts)
    {
        var first = parts[0];
        if (!FloatKernels.Supports(first.Type)) throw new ArgumentException($"{first.Name} is not a float matrix", nameof(parts));
        foreach (var p in parts)
        {
            if (p.Type != first.Type || p.Columns != first.Columns || p.Rows % 8 != 0 || p.Columns % Chunk != 0)
                throw new ArgumentException($"{p.Name} cannot be interleaved with {first.Name}", nameof(parts));
        }
        _parts = parts.ToArray();
        Type = first.Type;
        Rows = parts.Sum(p => p.Rows);
        Columns = first.Columns;
        ElementBytes = first.Type == GgmlType.F32 ? 4 : 2;
        GroupBytes = 8L * Columns * ElementBytes;
        _buffer = new NativeBuffer(Rows / 8 * GroupBytes);
        int chunkBytes = Chunk * ElementBytes;
        Parallel.For(0, Rows / 8, g =>
        {
            byte* dst = _buffer.Pointer + g * GroupBytes;
            for (int r = 0; r < 8; r++)
            {
                byte* src = SourceRow(g * 8 + r);
                for (int c = 0; c < Columns / Chunk; c++)
                    Buffer.MemoryCopy(src + (long)c * chunkBytes, dst + ((long)c * 8 + r) * chunkBytes, chunkBytes, chunkBytes);
            }
        });
    }

    public GgmlType Type { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int Groups => Rows / 8;
    public long Bytes => _buffer.Length;
    private int ElementBytes { get; }
    private long GroupBytes { get; }

    /// <summary>True when <paramref name="w"/> can be interleaved (a float type, rows in eights, width in sixteens).</summary>
    public static bool CanInterleave(in WeightMatrix w) => FloatKernels.Supports(w.Type) && w.Rows % 8 == 0 && w.Columns % Chunk == 0;

    private byte* SourceRow(int row)
    {
        foreach (var p in _parts)
        {
            if (row < p.Rows) return p.Row(row);
            row -= p.Rows;
        }
        throw new ArgumentOutOfRangeException(nameof(row));
    }

    /// <summary>
    /// y[t·yStride + r] = Σ_c W[r,c]·x[t·Columns + c] for the rows of groups [groupStart, groupEnd), x pre-scaled by
    /// the weight type's activation scale (see <see cref="F16Weights"/>).
    /// </summary>
    public void Multiply(float* x, float* y, int yStride, int groupStart, int groupEnd, int tokens, FloatIsa isa)
    {
        switch (Type)
        {
            case GgmlType.F32: Multiply<F32Weights>(x, y, yStride, groupStart, groupEnd, tokens, isa); break;
            case GgmlType.F16: Multiply<F16Weights>(x, y, yStride, groupStart, groupEnd, tokens, isa); break;
            default: Multiply<Bf16Weights>(x, y, yStride, groupStart, groupEnd, tokens, isa); break;
        }
    }

    private void Multiply<TW>(float* x, float* y, int yStride, int groupStart, int groupEnd, int tokens, FloatIsa isa) where TW : unmanaged, IFloatWeights
    {
        int k = Columns;
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* w = _buffer.Pointer + g * GroupBytes;
            int t = 0;
            if (isa == FloatIsa.Vector512)
            {
                for (; t + 4 <= tokens; t += 4)
                {
                    Tile4x4<TW>(w, 0, x + (long)t * k, k, y + (long)t * yStride + g * 8, yStride);
                    Tile4x4<TW>(w, 4, x + (long)t * k, k, y + (long)t * yStride + g * 8 + 4, yStride);
                }
                for (; t < tokens; t++) Gemv8<TW>(w, x + (long)t * k, k, y + (long)t * yStride + g * 8);
            }
            else
            {
                for (; t < tokens; t++) Gemv8Scalar<TW>(w, x + (long)t * k, k, y + (long)t * yStride + g * 8, isa);
            }
        }
    }

    /// <summary>8 rows × 1 token: eight accumulators, one contiguous stream of weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemv8<TW>(byte* w, float* x, int k, float* y) where TW : unmanaged, IFloatWeights
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        int rowChunk = Chunk * TW.ElementBytes;
        for (int c = 0; c < k; c += Chunk, w += 8 * rowChunk)
        {
            var v = Vector512.Load(x + c);
            a0 = Vector512.FusedMultiplyAdd(TW.Load16(w, 0), v, a0);
            a1 = Vector512.FusedMultiplyAdd(TW.Load16(w, Chunk), v, a1);
            a2 = Vector512.FusedMultiplyAdd(TW.Load16(w, 2 * Chunk), v, a2);
            a3 = Vector512.FusedMultiplyAdd(TW.Load16(w, 3 * Chunk), v, a3);
            a4 = Vector512.FusedMultiplyAdd(TW.Load16(w, 4 * Chunk), v, a4);
            a5 = Vector512.FusedMultiplyAdd(TW.Load16(w, 5 * Chunk), v, a5);
            a6 = Vector512.FusedMultiplyAdd(TW.Load16(w, 6 * Chunk), v, a6);
            a7 = Vector512.FusedMultiplyAdd(TW.Load16(w, 7 * Chunk), v, a7);
        }
        y[0] = F32Dot.Reduce(a0); y[1] = F32Dot.Reduce(a1); y[2] = F32Dot.Reduce(a2); y[3] = F32Dot.Reduce(a3);
        y[4] = F32Dot.Reduce(a4); y[5] = F32Dot.Reduce(a5); y[6] = F32Dot.Reduce(a6); y[7] = F32Dot.Reduce(a7);
    }

    /// <summary>Rows [r0, r0+4) of a group × 4 tokens: 16 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile4x4<TW>(byte* w, int r0, float* x, int k, float* y, int yStride) where TW : unmanaged, IFloatWeights
    {
        float* x1 = x + k, x2 = x + 2 * k, x3 = x + 3 * k;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int rowChunk = Chunk * TW.ElementBytes;
        w += r0 * rowChunk;
        for (int c = 0; c < k; c += Chunk, w += 8 * rowChunk)
        {
            var v0 = Vector512.Load(x + c);
            var v1 = Vector512.Load(x1 + c);
            var v2 = Vector512.Load(x2 + c);
            var v3 = Vector512.Load(x3 + c);
            var q = TW.Load16(w, 0);
            a00 = Vector512.FusedMultiplyAdd(q, v0, a00); a01 = Vector512.FusedMultiplyAdd(q, v1, a01);
            a02 = Vector512.FusedMultiplyAdd(q, v2, a02); a03 = Vector512.FusedMultiplyAdd(q, v3, a03);
            q = TW.Load16(w, Chunk);
            a10 = Vector512.FusedMultiplyAdd(q, v0, a10); a11 = Vector512.FusedMultiplyAdd(q, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(q, v2, a12); a13 = Vector512.FusedMultiplyAdd(q, v3, a13);
            q = TW.Load16(w, 2 * Chunk);
            a20 = Vector512.FusedMultiplyAdd(q, v0, a20); a21 = Vector512.FusedMultiplyAdd(q, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(q, v2, a22); a23 = Vector512.FusedMultiplyAdd(q, v3, a23);
            q = TW.Load16(w, 3 * Chunk);
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

    /// <summary>8 rows × 1 token for the narrower paths (Vector256, Vector128, scalar) over the interleaved layout.</summary>
    internal static void Gemv8Scalar<TW>(byte* w, float* x, int k, float* y, FloatIsa isa) where TW : unmanaged, IFloatWeights
    {
        int rowChunk = Chunk * TW.ElementBytes;
        for (int r = 0; r < 8; r++)
        {
            byte* row = w + r * rowChunk;
            if (isa == FloatIsa.Vector256)
            {
                var a = Vector256<float>.Zero;
                for (int c = 0; c < k; c += Chunk, row += 8 * rowChunk)
                {
                    a = Vector256.FusedMultiplyAdd(TW.Load8(row, 0), Vector256.Load(x + c), a);
                    a = Vector256.FusedMultiplyAdd(TW.Load8(row, 8), Vector256.Load(x + c + 8), a);
                }
                y[r] = F32Dot.Reduce(a);
            }
            else if (isa == FloatIsa.Vector128)
            {
                var a = Vector128<float>.Zero;
                for (int c = 0; c < k; c += Chunk, row += 8 * rowChunk)
                {
                    for (int j = 0; j < Chunk; j += 4) a = Vector128.FusedMultiplyAdd(TW.Load4(row, j), Vector128.Load(x + c + j), a);
                }
                y[r] = F32Dot.Reduce(a);
            }
            else
            {
                double sum = 0;
                for (int c = 0; c < k; c += Chunk, row += 8 * rowChunk)
                {
                    for (int j = 0; j < Chunk; j++) sum += (double)TW.Load1(row, j) * x[c + j];
                }
                y[r] = (float)sum;
            }
        }
    }

    public void Dispose()
    {
        _buffer.Dispose();
        GC.SuppressFinalize(this);
    }
}
