using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Q4_0 weights repacked eight rows at a time (see <see cref="PackedQ8_0"/>): one 256-bit load holds 4
/// packed bytes of each of 8 rows; their low nibbles are levels 4j..4j+3 and their high nibbles levels
/// 16+4j..16+4j+3 (ggml's own nibble order), unsigned 0..15 with the offset 8 removed through the
/// activation block sums. Same size as the original: 16 bytes of scales and 128 of nibbles per 8 rows.
/// </summary>
/// <remarks>Layout of one (row group, block): ushort d[8]; byte q[4 quads][8 rows][4] = ggml qs[4·quad + k].</remarks>
public sealed unsafe class PackedQ4_0 : PackedMatrix
{
    internal const int BlockBytes = 16 + 128;

    /// <summary>How far ahead the GEMV asks for weights: hardware prefetchers alone leave bandwidth unused.</summary>
    private const int PrefetchDistance = 64 * BlockBytes;

    public PackedQ4_0(IReadOnlyList<WeightMatrix> parts) : base(parts, 32, BlockBytes)
    {
        if (Type != GgmlType.Q4_0) throw new ArgumentException("not a Q4_0 matrix", nameof(parts));
        // Groups are independent: repack them in parallel (load time only).
        Parallel.For(0, Groups, g =>
        {
            var rows = stackalloc byte*[8];
            for (int r = 0; r < 8; r++) rows[r] = SourceRow(g * 8 + r);
            for (int b = 0; b < Blocks; b++)
            {
                byte* dst = Block(g, b);
                for (int r = 0; r < 8; r++)
                {
                    byte* src = rows[r] + (long)b * sizeof(BlockQ4_0);
                    ((ushort*)dst)[r] = *(ushort*)src;
                    for (int quad = 0; quad < 4; quad++) *(uint*)(dst + 16 + quad * 32 + r * 4) = *(uint*)(src + 2 + quad * 4);
                }
            }
        });
    }

    public override ActivationFormat ActivationFormat => ActivationFormat.Q8_0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Multiply(QuantizedActivations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa)
    {
        // F32 block scales of two row groups for the 16-row GEMM (a few KiB; allocated once per call).
        float* scales = stackalloc float[isa == KernelIsa.AvxVnni && tokens >= 8 ? 16 * Blocks : 0];
        var a = Expect<Q8Activations>(activations, tokens);
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* w = Block(g, 0);
            int t = 0;
            if (isa == KernelIsa.AvxVnni)
            {
                if (tokens >= 4 && g + 1 < groupEnd)
                {
                    // Two groups at once (16 rows): every broadcast activation feeds two vpdpbusd. The first tile
                    // converts the block scales to F32 as it streams the weights in (a pass of its own would walk
                    // memory strided, waiting on every block) and keeps them for the later tiles.
                    byte* w1 = Block(g + 1, 0);
                    float* keep = tokens >= 8 ? scales : null;
                    for (; t + 4 <= tokens; t += 4)
                        Gemm16x4Vnni(w, w1, keep, keep == null ? null : keep + 8 * Blocks, convert: t == 0, Blocks, a, t, y + (long)t * yStride + g * 8, yStride);
                    for (int u = t; u < tokens; u++)
                    {
                        GemvVnni(w, Blocks, a, u, y + (long)u * yStride + g * 8);
                        GemvVnni(w1, Blocks, a, u, y + (long)u * yStride + g * 8 + 8);
                    }
                    g++;
                    continue;
                }
                for (; t + 4 <= tokens; t += 4) Gemm4Vnni(w, Blocks, a, t, y + (long)t * yStride + g * 8, yStride);
                for (; t < tokens; t++) GemvVnni(w, Blocks, a, t, y + (long)t * yStride + g * 8);
            }
            else if (isa == KernelIsa.Avx2)
            {
                for (; t < tokens; t++) GemvAvx2(w, Blocks, a, t, y + (long)t * yStride + g * 8);
            }
            else if (isa == KernelIsa.Vector128)
            {
                for (; t < tokens; t++) GemvVector128(w, Blocks, a, t, y + (long)t * yStride + g * 8);
            }
            else
            {
                for (; t < tokens; t++) GemvScalar(w, Blocks, a, t, y + (long)t * yStride + g * 8);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Quad(sbyte* a) => Vector256.Create(*(int*)a).AsSByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> High(Vector256<byte> raw) => Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVnni(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        int* sums = act.Sums(token);
        var mask = Vector256.Create((byte)0x0F);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            Sse.Prefetch0(w + PrefetchDistance);
            Sse.Prefetch0(w + PrefetchDistance + 64);
            Sse.Prefetch0(w + PrefetchDistance + 128);
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            byte* q = w + 16;
            var r0 = Vector256.Load(q);
            var r1 = Vector256.Load(q + 32);
            var r2 = Vector256.Load(q + 64);
            var r3 = Vector256.Load(q + 96);
            var acc0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, r0 & mask, Quad(a));
            var acc1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, High(r0), Quad(a + 16));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, r1 & mask, Quad(a + 4));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, High(r1), Quad(a + 20));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, r2 & mask, Quad(a + 8));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, High(r2), Quad(a + 24));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, r3 & mask, Quad(a + 12));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, High(r3), Quad(a + 28));
            var dot = acc0 + acc1 - Vector256.Create(8 * sums[b]);
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dot), dw * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm4Vnni(byte* w, int blocks, Q8Activations act, int token, float* y, int yStride)
    {
        sbyte* a0 = act.Levels(token), a1 = act.Levels(token + 1), a2 = act.Levels(token + 2), a3 = act.Levels(token + 3);
        float* d0 = act.Scales(token), d1 = act.Scales(token + 1), d2 = act.Scales(token + 2), d3 = act.Scales(token + 3);
        int* s0 = act.Sums(token), s1 = act.Sums(token + 1), s2 = act.Sums(token + 2), s3 = act.Sums(token + 3);
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int b = 0; b < blocks; b++, w += BlockBytes)
        {
            byte* q = w + 16;
            int o = b * 32;
            // Low and high nibbles in separate accumulators: eight independent vpdpbusd chains per block.
            Vector256<int> l0 = default, l1 = default, l2 = default, l3 = default;
            Vector256<int> h0 = default, h1 = default, h2 = default, h3 = default;
            for (int quad = 0; quad < 4; quad++, o += 4)
            {
                var raw = Vector256.Load(q + quad * 32);
                var lo = raw & mask;
                var hi = High(raw);
                l0 = AvxVnni.MultiplyWideningAndAdd(l0, lo, Quad(a0 + o));
                h0 = AvxVnni.MultiplyWideningAndAdd(h0, hi, Quad(a0 + o + 16));
                l1 = AvxVnni.MultiplyWideningAndAdd(l1, lo, Quad(a1 + o));
                h1 = AvxVnni.MultiplyWideningAndAdd(h1, hi, Quad(a1 + o + 16));
                l2 = AvxVnni.MultiplyWideningAndAdd(l2, lo, Quad(a2 + o));
                h2 = AvxVnni.MultiplyWideningAndAdd(h2, hi, Quad(a2 + o + 16));
                l3 = AvxVnni.MultiplyWideningAndAdd(l3, lo, Quad(a3 + o));
                h3 = AvxVnni.MultiplyWideningAndAdd(h3, hi, Quad(a3 + o + 16));
            }
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(l0 + h0 - Vector256.Create(8 * s0[b])), dw * Vector256.Create(d0[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(l1 + h1 - Vector256.Create(8 * s1[b])), dw * Vector256.Create(d1[b]), f1);
            f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(l2 + h2 - Vector256.Create(8 * s2[b])), dw * Vector256.Create(d2[b]), f2);
            f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(l3 + h3 - Vector256.Create(8 * s3[b])), dw * Vector256.Create(d3[b]), f3);
        }
        f0.Store(y);
        f1.Store(y + yStride);
        f2.Store(y + 2 * yStride);
        f3.Store(y + 3 * yStride);
    }

    /// <summary>
    /// 16 rows (two groups) × 4 tokens with vpdpbusd: each broadcast activation feeds two vpdpbusd. The float
    /// accumulators live in memory (L1) so that the eight integer accumulators get the low 16 vector
    /// registers, the only destinations the JIT gives AVX-VNNI instructions (otherwise it copies them around
    /// every vpdpbusd).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm16x4Vnni(byte* w, byte* w1, float* scalesA, float* scalesB, bool convert, int blocks, Q8Activations act, int token, float* y, int yStride)
    {
        sbyte* a = act.Levels(token);
        nint k = act.Columns; // token t's levels start t·k after token 0's
        float* d0 = act.Scales(token);
        int* s0 = act.Sums(token);
        int scaleStride = act.BlocksPerRow;
        float* acc = stackalloc float[64]; // (token, 16 rows)
        new Span<float>(acc, 64).Clear();
        var mask = Vector256.Create((byte)0x0F);
        for (int b = 0; b < blocks; b++, w += BlockBytes, w1 += BlockBytes)
        {
            // A decode batch of a few tokens streams these weights from memory once, like a GEMV: ask for them
            // early (in a prompt's later tiles they are already in cache and the hints cost next to nothing).
            for (int line = 0; line < BlockBytes; line += 64)
            {
                Sse.Prefetch0(w + PrefetchDistance + line);
                Sse.Prefetch0(w1 + PrefetchDistance + line);
            }
            byte* q = w + 16, r = w1 + 16;
            sbyte* ab = a + b * 32;
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
            for (nint quad = 0; quad < 16; quad += 4, q += 32, r += 32)
            {
                var rawA = Vector256.Load(q);
                var rawB = Vector256.Load(r);
                var loA = rawA & mask;
                var loB = rawB & mask;
                var x = Quad(ab + quad);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, loA, x);
                j0 = AvxVnni.MultiplyWideningAndAdd(j0, loB, x);
                x = Quad(ab + k + quad);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, loA, x);
                j1 = AvxVnni.MultiplyWideningAndAdd(j1, loB, x);
                x = Quad(ab + 2 * k + quad);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, loA, x);
                j2 = AvxVnni.MultiplyWideningAndAdd(j2, loB, x);
                x = Quad(ab + 3 * k + quad);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, loA, x);
                j3 = AvxVnni.MultiplyWideningAndAdd(j3, loB, x);
                var hiA = Vector256.ShiftRightLogical(rawA.AsUInt16(), 4).AsByte() & mask;
                var hiB = Vector256.ShiftRightLogical(rawB.AsUInt16(), 4).AsByte() & mask;
                x = Quad(ab + quad + 16);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, hiA, x);
                j0 = AvxVnni.MultiplyWideningAndAdd(j0, hiB, x);
                x = Quad(ab + k + quad + 16);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, hiA, x);
                j1 = AvxVnni.MultiplyWideningAndAdd(j1, hiB, x);
                x = Quad(ab + 2 * k + quad + 16);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, hiA, x);
                j2 = AvxVnni.MultiplyWideningAndAdd(j2, hiB, x);
                x = Quad(ab + 3 * k + quad + 16);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, hiA, x);
                j3 = AvxVnni.MultiplyWideningAndAdd(j3, hiB, x);
            }
            Vector256<float> dwA, dwB;
            if (convert)
            {
                dwA = HalfVector.ToSingle(Vector128.Load((ushort*)w));
                dwB = HalfVector.ToSingle(Vector128.Load((ushort*)w1));
                if (scalesA != null)
                {
                    dwA.Store(scalesA + 8 * b);
                    dwB.Store(scalesB + 8 * b);
                }
            }
            else
            {
                dwA = Vector256.Load(scalesA + 8 * b);
                dwB = Vector256.Load(scalesB + 8 * b);
            }
            Epilogue(acc, i0, j0, dwA, dwB, d0[b], s0[b]);
            Epilogue(acc + 16, i1, j1, dwA, dwB, d0[b + scaleStride], s0[b + scaleStride]);
            Epilogue(acc + 32, i2, j2, dwA, dwB, d0[b + 2 * scaleStride], s0[b + 2 * scaleStride]);
            Epilogue(acc + 48, i3, j3, dwA, dwB, d0[b + 3 * scaleStride], s0[b + 3 * scaleStride]);
        }
        for (int t = 0; t < 4; t++)
        {
            Vector256.Load(acc + 16 * t).Store(y + t * yStride);
            Vector256.Load(acc + 16 * t + 8).Store(y + t * yStride + 8);
        }
    }

    /// <summary>acc[0..16) += (dots − 8·Σa) · dw · da for the two row groups of one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Epilogue(float* acc, Vector256<int> i, Vector256<int> j, Vector256<float> dwA, Vector256<float> dwB, float da, int sum)
    {
        var c = Vector256.Create(8 * sum);
        var d = Vector256.Create(da);
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i - c), dwA * d, Vector256.Load(acc)).Store(acc);
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(j - c), dwB * d, Vector256.Load(acc + 8)).Store(acc + 8);
    }

    /// <summary>AVX2 without VNNI: levels 0..15 are small enough for vpmaddubsw directly (no saturation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvAvx2(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        int* sums = act.Sums(token);
        var mask = Vector256.Create((byte)0x0F);
        var ones = Vector256.Create((short)1);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            byte* q = w + 16;
            var acc = Vector256<short>.Zero;
            for (int quad = 0; quad < 4; quad++)
            {
                var raw = Vector256.Load(q + quad * 32);
                // 15·127·2 per pair, and two quads summed, stay far below the int16 limit.
                acc += Avx2.MultiplyAddAdjacent(raw & mask, Quad(a + quad * 4));
                acc += Avx2.MultiplyAddAdjacent(High(raw), Quad(a + 16 + quad * 4));
            }
            var dot = Avx2.MultiplyAddAdjacent(acc, ones) - Vector256.Create(8 * sums[b]);
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dot), dw * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVector128(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        int* sums = act.Sums(token);
        var mask = Vector128.Create((byte)0x0F);
        var lo = Vector128<float>.Zero;
        var hi = Vector128<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            byte* q = w + 16;
            Vector128<short> r01 = default, r23 = default, r45 = default, r67 = default;
            for (int quad = 0; quad < 4; quad++)
            {
                var aLo = Vector128.WidenLower(Vector128.Create(*(int*)(a + quad * 4)).AsSByte());
                var aHi = Vector128.WidenLower(Vector128.Create(*(int*)(a + 16 + quad * 4)).AsSByte());
                var raw03 = Vector128.Load(q + quad * 32);
                var raw47 = Vector128.Load(q + quad * 32 + 16);
                var l03 = (raw03 & mask).AsSByte();
                var h03 = (Vector128.ShiftRightLogical(raw03.AsUInt16(), 4).AsByte() & mask).AsSByte();
                var l47 = (raw47 & mask).AsSByte();
                var h47 = (Vector128.ShiftRightLogical(raw47.AsUInt16(), 4).AsByte() & mask).AsSByte();
                // |products| ≤ 15·127, eight summed per lane: within int16.
                r01 += Vector128.WidenLower(l03) * aLo + Vector128.WidenLower(h03) * aHi;
                r23 += Vector128.WidenUpper(l03) * aLo + Vector128.WidenUpper(h03) * aHi;
                r45 += Vector128.WidenLower(l47) * aLo + Vector128.WidenLower(h47) * aHi;
                r67 += Vector128.WidenUpper(l47) * aLo + Vector128.WidenUpper(h47) * aHi;
            }
            int c = 8 * sums[b];
            var s03 = Vector128.ConvertToSingle(Vector128.Create(
                SumHalf(r01, 0) - c, SumHalf(r01, 1) - c, SumHalf(r23, 0) - c, SumHalf(r23, 1) - c));
            var s47 = Vector128.ConvertToSingle(Vector128.Create(
                SumHalf(r45, 0) - c, SumHalf(r45, 1) - c, SumHalf(r67, 0) - c, SumHalf(r67, 1) - c));
            var scale = Vector128.Create(da[b]);
            lo = Vector128.FusedMultiplyAdd(s03, HalfVector.ToSingle(Vector64.Load((ushort*)w)) * scale, lo);
            hi = Vector128.FusedMultiplyAdd(s47, HalfVector.ToSingle(Vector64.Load((ushort*)w + 4)) * scale, hi);
        }
        lo.Store(y);
        hi.Store(y + 4);
    }

    /// <summary>Sum of lanes 4h..4h+3 of eight int16 lanes, as int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumHalf(Vector128<short> v, int h) => v[4 * h] + v[4 * h + 1] + v[4 * h + 2] + v[4 * h + 3];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvScalar(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        Span<float> acc = stackalloc float[8];
        acc.Clear();
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            for (int r = 0; r < 8; r++)
            {
                int dot = 0;
                for (int j = 0; j < 16; j++)
                {
                    byte packed = w[16 + (j / 4) * 32 + r * 4 + j % 4];
                    dot += ((packed & 0x0F) - 8) * a[j] + ((packed >> 4) - 8) * a[j + 16];
                }
                acc[r] += dot * (HalfVector.ToSingle(((ushort*)w)[r]) * da[b]);
            }
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }
}
