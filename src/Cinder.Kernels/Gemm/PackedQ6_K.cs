using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Q6_K weights repacked eight rows at a time for vpdpbusd, as <see cref="PackedQ4_0"/>: 256-bit loads hold 4 bytes
/// of each of 8 rows, here three of them give 4 levels of each row for 4 sub-blocks, unsigned 0..63: three levels
/// whole in the low 6 bits of each byte, the fourth in the three bytes' top bit pairs (ggml's layout, low nibbles
/// and high bit pairs apart, took 17 vector operations per four levels to unpack; this takes 9, and the GEMV was
/// bound by them). A sub-block's row sums Σ q·a are multiplied by the rows'
/// int8 scales; the offset 32 of the levels is removed per super-block through the activations' sums of 16 levels
/// (32 · Σ_j sc_j · Σ a, by vpmaddwd). Same size as the original: 8 × 210 bytes per super-block.
/// </summary>
/// <remarks>
/// Layout of one (row group, super-block of 256 columns), 1680 bytes:
/// <code>
/// ushort d[8];                                   FP16 super-block scales of rows 0..7
/// sbyte scales[8 pairs][8 rows][2]               = ggml scales[2·pair + parity] of each row
/// for half h in 0..1, quad q in 0..7 (96 bytes each), levels A = 128h + 4q + k, B = A + 32, C = A + 64, D = A + 96:
///     byte b0[8 rows][4] = A | (D &amp; 3) &lt;&lt; 6
///     byte b1[8 rows][4] = B | (D &gt;&gt; 2 &amp; 3) &lt;&lt; 6
///     byte b2[8 rows][4] = C | (D &gt;&gt; 4) &lt;&lt; 6
/// </code>
/// Level set s (A, B, C, D = 0..3) of quad q in half h belongs to sub-block j = 8h + 2s + q / 4: the pair 4h + s and
/// parity q / 4, so a pair's 16 scale bytes, sign-extended to 16 bits, hold per row both scales a quad set needs.
/// y[r] = Σ_blocks d_a · d_r · (Σ_j sc[r, j] · Σ_{i∈j} q_i a_i − 32 · Σ_j sc[r, j] · Σ_{i∈j} a_i).
/// </remarks>
public sealed unsafe class PackedQ6_K : PackedMatrix
{
    internal const int BlockBytes = 8 * 210;

    /// <summary>
    /// How far ahead of the super-block being read the GEMV kernels ask for data: 8 super-blocks. Measured on the
    /// 2-core EPYC (Zen 5) development machine, with other processes sharing the memory bus, it raised GEMV throughput
    /// by about a fifth (4 to 16 super-blocks did about as well); the hardware prefetchers alone fall behind.
    /// </summary>
    private const int PrefetchDistance = 8 * BlockBytes;
    private const int ScalesOffset = 16;
    private const int QOffset = 16 + 128;
    private const int UnitBytes = 96;

    public PackedQ6_K(IReadOnlyList<WeightMatrix> parts) : base(parts, BlockQ6_K.Length, BlockBytes)
    {
        if (Type != GgmlType.Q6_K) throw new ArgumentException("not a Q6_K matrix", nameof(parts));
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
                    var src = (BlockQ6_K*)(rows[r] + (long)b * sizeof(BlockQ6_K));
                    ((Half*)dst)[r] = src->D;
                    for (int j = 0; j < 16; j++) ((sbyte*)dst)[ScalesOffset + 16 * (j / 2) + 2 * r + j % 2] = src->Scales[j];
                    for (int h = 0; h < 2; h++)
                    {
                        for (int q = 0; q < 8; q++)
                        {
                            byte* unit = dst + QOffset + (h * 8 + q) * UnitBytes + r * 4;
                            for (int k = 0; k < 4; k++)
                            {
                                int ql0 = src->Ql[64 * h + 4 * q + k], ql1 = src->Ql[64 * h + 32 + 4 * q + k], qh = src->Qh[32 * h + 4 * q + k];
                                int levelA = (ql0 & 15) | (qh & 3) << 4, levelB = (ql1 & 15) | (qh >> 2 & 3) << 4;
                                int levelC = (ql0 >> 4) | (qh >> 4 & 3) << 4, levelD = (ql1 >> 4) | (qh >> 6 & 3) << 4;
                                unit[k] = (byte)(levelA | (levelD & 3) << 6);
                                unit[32 + k] = (byte)(levelB | (levelD >> 2 & 3) << 6);
                                unit[64 + k] = (byte)(levelC | (levelD >> 4) << 6);
                            }
                        }
                    }
                }
            }
        });
    }

    public override ActivationFormat ActivationFormat => ActivationFormat.Q8_K;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Multiply(QuantizedActivations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa)
    {
        var a = Expect<Q8KActivations>(activations, tokens);
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* w = Block(g, 0);
            int t = 0;
            if (isa == KernelIsa.AvxVnni)
            {
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

    /// <summary>Every cache line of the super-block at <paramref name="p"/> (prefetches never fault, past the end included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* p)
    {
        for (int line = 0; line < BlockBytes; line += 64) Sse.Prefetch0(p + line);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pair(short* sums) => Vector256.Create(*(int*)sums).AsInt16();

    /// <summary>Level set <paramref name="s"/> (constant after inlining) of one 96-byte unit: 4 levels of each of 8 rows, 0..63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Levels(byte* unit, int s) => s < 3
        ? Vector256.Load(unit + 32 * s) & Vector256.Create((byte)0x3F)
        : Fourth(Vector256.Load(unit), Vector256.Load(unit + 32), Vector256.Load(unit + 64));

    /// <summary>
    /// Level set D from the top bit pairs of the unit's three vectors. 16-bit shifts move bits across the bytes of a
    /// lane; the selects (vpternlog on AVX-512) and the last mask keep only each byte's own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Fourth(Vector256<byte> b0, Vector256<byte> b1, Vector256<byte> b2)
    {
        var upper = Vector256.ConditionalSelect(Vector256.Create((byte)0x0C), Vector256.ShiftRightLogical(b1.AsUInt16(), 4).AsByte(), Vector256.ShiftRightLogical(b2.AsUInt16(), 2).AsByte());
        return Vector256.ConditionalSelect(Vector256.Create((byte)0x03), Vector256.ShiftRightLogical(b0.AsUInt16(), 6).AsByte(), upper) & Vector256.Create((byte)0x3F);
    }

    /// <summary>As <see cref="Fourth(Vector256{byte}, Vector256{byte}, Vector256{byte})"/> for 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Fourth(Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2)
    {
        var upper = Vector128.ConditionalSelect(Vector128.Create((byte)0x0C), Vector128.ShiftRightLogical(b1.AsUInt16(), 4).AsByte(), Vector128.ShiftRightLogical(b2.AsUInt16(), 2).AsByte());
        return Vector128.ConditionalSelect(Vector128.Create((byte)0x03), Vector128.ShiftRightLogical(b0.AsUInt16(), 6).AsByte(), upper) & Vector128.Create((byte)0x3F);
    }

    /// <summary>Scales of sub-block (pair, parity) for the 8 rows as int32: the pair's 16 bytes sign-extended, one parity kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Scale(sbyte* scales, int pair, int parity)
    {
        var both = Avx2.ConvertToVector256Int16(scales + 16 * pair).AsInt32();
        return parity == 0 ? Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(both, 16), 16) : Vector256.ShiftRightArithmetic(both, 16);
    }

    /// <summary>32 · Σ_j sc[r, j] · (Σ a over sub-block j of 16) for the 8 rows: the offset of the unsigned levels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Offset(sbyte* scales, short* sums16)
    {
        var sum = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(scales), Pair(sums16));
        for (int pair = 1; pair < 8; pair++) sum += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(scales + 16 * pair), Pair(sums16 + 2 * pair));
        return Vector256.ShiftLeft(sum, 5);
    }

    /// <summary>
    /// Quads 4·parity .. 4·parity+3 of half <paramref name="h"/> for 8 rows and 1 token with vpdpbusd: the four sub-blocks
    /// 8h + 2s + parity, each multiplied by its scales.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuarterVnni(byte* q, sbyte* scales, sbyte* a, int h, int parity)
    {
        Vector256<int> sa = default, sb = default, sc = default, sd = default;
        for (int quad = 4 * parity; quad < 4 * parity + 4; quad++)
        {
            byte* unit = q + (h * 8 + quad) * UnitBytes;
            sbyte* aq = a + 128 * h + 4 * quad;
            sa = AvxVnni.MultiplyWideningAndAdd(sa, Levels(unit, 0), Quad(aq));
            sb = AvxVnni.MultiplyWideningAndAdd(sb, Levels(unit, 1), Quad(aq + 32));
            sc = AvxVnni.MultiplyWideningAndAdd(sc, Levels(unit, 2), Quad(aq + 64));
            sd = AvxVnni.MultiplyWideningAndAdd(sd, Levels(unit, 3), Quad(aq + 96));
        }
        return sa * Scale(scales, 4 * h, parity) + sb * Scale(scales, 4 * h + 1, parity)
            + sc * Scale(scales, 4 * h + 2, parity) + sd * Scale(scales, 4 * h + 3, parity);
    }

    /// <summary>8 rows × 1 token with vpdpbusd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVnni(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums16(token);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 16)
        {
            Prefetch(w + PrefetchDistance);
            sbyte* scales = (sbyte*)w + ScalesOffset;
            byte* q = w + QOffset;
            var isum = QuarterVnni(q, scales, a, 0, 0) + QuarterVnni(q, scales, a, 0, 1)
                + QuarterVnni(q, scales, a, 1, 0) + QuarterVnni(q, scales, a, 1, 1)
                - Offset(scales, sums);
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), HalfVector.ToSingle(Vector128.Load((ushort*)w)) * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    /// <summary>8 rows × 4 tokens with vpdpbusd; the integer work of a super-block in <see cref="SuperBlock4Vnni"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm4Vnni(byte* w, int blocks, Q8KActivations act, int token, float* y, int yStride)
    {
        sbyte* a0 = act.Levels(token), a1 = act.Levels(token + 1), a2 = act.Levels(token + 2), a3 = act.Levels(token + 3);
        float* d0 = act.Scales(token), d1 = act.Scales(token + 1), d2 = act.Scales(token + 2), d3 = act.Scales(token + 3);
        short* s0 = act.Sums16(token), s1 = act.Sums16(token + 1), s2 = act.Sums16(token + 2), s3 = act.Sums16(token + 3);
        var sums = stackalloc Vector256<int>[4];
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int b = 0; b < blocks; b++, w += BlockBytes)
        {
            sbyte* scales = (sbyte*)w + ScalesOffset;
            int p = b * 16, o = b * 256;
            sums[0] = -Offset(scales, s0 + p);
            sums[1] = -Offset(scales, s1 + p);
            sums[2] = -Offset(scales, s2 + p);
            sums[3] = -Offset(scales, s3 + p);
            SuperBlock4Vnni(w + QOffset, scales, a0 + o, a1 + o, a2 + o, a3 + o, sums);
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[0]), dw * Vector256.Create(d0[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[1]), dw * Vector256.Create(d1[b]), f1);
            f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[2]), dw * Vector256.Create(d2[b]), f2);
            f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[3]), dw * Vector256.Create(d3[b]), f3);
        }
        f0.Store(y);
        f1.Store(y + yStride);
        f2.Store(y + 2 * yStride);
        f3.Store(y + 3 * yStride);
    }

    /// <summary>
    /// sums[t] += Σ_j sc[r, j] · Σ_{i∈j} q_i a_t,i over one super-block, for 8 rows and 4 tokens. A separate method so
    /// that only its own values are live: the 8 vpdpbusd accumulators then get registers the instruction updates in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SuperBlock4Vnni(byte* q, sbyte* scales, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Vector256<int>* sums)
    {
        for (int h = 0; h < 2; h++)
        {
            for (int parity = 0; parity < 2; parity++)
            {
                LevelPair4Vnni(q, scales, a0, a1, a2, a3, h, parity, 0, sums);
                LevelPair4Vnni(q, scales, a0, a1, a2, a3, h, parity, 1, sums);
            }
        }
    }

    /// <summary>
    /// Level sets s and s + 2 (A and C from ql0, or B and D from ql1; <paramref name="s"/> constant after inlining) of the
    /// four quads of (h, parity): two sub-blocks for 8 rows × 4 tokens, each unpacked register used four times.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LevelPair4Vnni(byte* q, sbyte* scales, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, int h, int parity, int s, Vector256<int>* sums)
    {
        Vector256<int> l0 = default, l1 = default, l2 = default, l3 = default;
        Vector256<int> u0 = default, u1 = default, u2 = default, u3 = default;
        byte* unit = q + (h * 8 + 4 * parity) * UnitBytes;
        nint k = 128 * h + 32 * s + 16 * parity; // activation offset of the quad: 128h + 32s + 4·quad
        for (int i = 0; i < 4; i++, unit += UnitBytes, k += 4)
        {
            var lower = Levels(unit, s);
            var upper = Levels(unit, s + 2);
            l0 = AvxVnni.MultiplyWideningAndAdd(l0, lower, Quad(a0 + k));
            u0 = AvxVnni.MultiplyWideningAndAdd(u0, upper, Quad(a0 + k + 64));
            l1 = AvxVnni.MultiplyWideningAndAdd(l1, lower, Quad(a1 + k));
            u1 = AvxVnni.MultiplyWideningAndAdd(u1, upper, Quad(a1 + k + 64));
            l2 = AvxVnni.MultiplyWideningAndAdd(l2, lower, Quad(a2 + k));
            u2 = AvxVnni.MultiplyWideningAndAdd(u2, upper, Quad(a2 + k + 64));
            l3 = AvxVnni.MultiplyWideningAndAdd(l3, lower, Quad(a3 + k));
            u3 = AvxVnni.MultiplyWideningAndAdd(u3, upper, Quad(a3 + k + 64));
        }
        var scaleLower = Scale(scales, 4 * h + s, parity);
        var scaleUpper = Scale(scales, 4 * h + s + 2, parity);
        sums[0] += l0 * scaleLower + u0 * scaleUpper;
        sums[1] += l1 * scaleLower + u1 * scaleUpper;
        sums[2] += l2 * scaleLower + u2 * scaleUpper;
        sums[3] += l3 * scaleLower + u3 * scaleUpper;
    }

    /// <summary>
    /// Quads 4·parity .. 4·parity+3 of half h on AVX2 without VNNI. vpmaddubsw pairs of products stay within int16
    /// (2 · 63 · 127 = 16002) and so do two of them summed, not four: each two quads are widened by vpmaddwd with ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuarterAvx2(byte* q, sbyte* scales, sbyte* a, int h, int parity)
    {
        var ones = Vector256.Create((short)1);
        Vector256<int> sa = default, sb = default, sc = default, sd = default;
        for (int quad = 4 * parity; quad < 4 * parity + 4; quad += 2)
        {
            byte* u0 = q + (h * 8 + quad) * UnitBytes;
            byte* u1 = u0 + UnitBytes;
            sbyte* aq = a + 128 * h + 4 * quad;
            sa += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Levels(u0, 0), Quad(aq)) + Avx2.MultiplyAddAdjacent(Levels(u1, 0), Quad(aq + 4)), ones);
            sb += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Levels(u0, 1), Quad(aq + 32)) + Avx2.MultiplyAddAdjacent(Levels(u1, 1), Quad(aq + 36)), ones);
            sc += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Levels(u0, 2), Quad(aq + 64)) + Avx2.MultiplyAddAdjacent(Levels(u1, 2), Quad(aq + 68)), ones);
            sd += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Levels(u0, 3), Quad(aq + 96)) + Avx2.MultiplyAddAdjacent(Levels(u1, 3), Quad(aq + 100)), ones);
        }
        return sa * Scale(scales, 4 * h, parity) + sb * Scale(scales, 4 * h + 1, parity)
            + sc * Scale(scales, 4 * h + 2, parity) + sd * Scale(scales, 4 * h + 3, parity);
    }

    /// <summary>8 rows × 1 token on AVX2 without VNNI.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvAvx2(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums16(token);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 16)
        {
            Prefetch(w + PrefetchDistance);
            sbyte* scales = (sbyte*)w + ScalesOffset;
            byte* q = w + QOffset;
            var isum = QuarterAvx2(q, scales, a, 0, 0) + QuarterAvx2(q, scales, a, 0, 1)
                + QuarterAvx2(q, scales, a, 1, 0) + QuarterAvx2(q, scales, a, 1, 1)
                - Offset(scales, sums);
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), HalfVector.ToSingle(Vector128.Load((ushort*)w)) * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    /// <summary>
    /// 8 rows × 1 token with portable 128-bit vectors (Arm AdvSimd, SSE): levels and activations widened to 16 bits and
    /// multiplied (|products| ≤ 63·127, a sub-block's 4 quads at most 32004 per lane: within int16), row sums in 32 bits
    /// scaled per sub-block; the offset in scalar code. Level sets go in pairs as in <see cref="LevelPair4Vnni"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVector128(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums16(token);
        int* isum = stackalloc int[8];
        float* acc = stackalloc float[8];
        for (int r = 0; r < 8; r++) acc[r] = 0;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 16)
        {
            sbyte* scales = (sbyte*)w + ScalesOffset;
            for (int r = 0; r < 8; r++)
            {
                int offset = 0;
                for (int j = 0; j < 16; j++) offset += scales[16 * (j / 2) + 2 * r + j % 2] * sums[j];
                isum[r] = -32 * offset;
            }
            for (int h = 0; h < 2; h++)
            {
                for (int parity = 0; parity < 2; parity++)
                {
                    LevelPairVector128(w + QOffset, scales, a, h, parity, 0, isum);
                    LevelPairVector128(w + QOffset, scales, a, h, parity, 1, isum);
                }
            }
            for (int r = 0; r < 8; r++) acc[r] += da[b] * HalfVector.ToSingle(((ushort*)w)[r]) * isum[r];
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }

    /// <summary>Level sets s and s + 2 of the four quads of (h, parity) for 8 rows and 1 token, with 128-bit vectors, into isum[row].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LevelPairVector128(byte* q, sbyte* scales, sbyte* a, int h, int parity, int s, int* isum)
    {
        var low6 = Vector128.Create((byte)0x3F);
        // Per level set, rows (0, 1), (2, 3), (4, 5), (6, 7): four int16 lanes each.
        Vector128<short> l01 = default, l23 = default, l45 = default, l67 = default;
        Vector128<short> u01 = default, u23 = default, u45 = default, u67 = default;
        byte* unit = q + (h * 8 + 4 * parity) * UnitBytes;
        sbyte* aq = a + 128 * h + 32 * s + 16 * parity;
        for (int i = 0; i < 4; i++, unit += UnitBytes, aq += 4)
        {
            var al = Vector128.WidenLower(Vector128.Create(*(int*)aq).AsSByte());        // the quad twice, int16
            var au = Vector128.WidenLower(Vector128.Create(*(int*)(aq + 64)).AsSByte());
            for (int half = 0; half < 2; half++)
            {
                var lower = (Vector128.Load(unit + 32 * s + 16 * half) & low6).AsSByte();
                var upper = (s == 0
                    ? Vector128.Load(unit + 64 + 16 * half) & low6
                    : Fourth(Vector128.Load(unit + 16 * half), Vector128.Load(unit + 32 + 16 * half), Vector128.Load(unit + 64 + 16 * half))).AsSByte();
                if (half == 0)
                {
                    l01 += Vector128.WidenLower(lower) * al;
                    l23 += Vector128.WidenUpper(lower) * al;
                    u01 += Vector128.WidenLower(upper) * au;
                    u23 += Vector128.WidenUpper(upper) * au;
                }
                else
                {
                    l45 += Vector128.WidenLower(lower) * al;
                    l67 += Vector128.WidenUpper(lower) * al;
                    u45 += Vector128.WidenLower(upper) * au;
                    u67 += Vector128.WidenUpper(upper) * au;
                }
            }
        }
        sbyte* sl = scales + 16 * (4 * h + s) + parity;     // row r's scale at sl[2r]
        sbyte* su = scales + 16 * (4 * h + s + 2) + parity;
        isum[0] += sl[0] * Vector128.Sum(Vector128.WidenLower(l01)) + su[0] * Vector128.Sum(Vector128.WidenLower(u01));
        isum[1] += sl[2] * Vector128.Sum(Vector128.WidenUpper(l01)) + su[2] * Vector128.Sum(Vector128.WidenUpper(u01));
        isum[2] += sl[4] * Vector128.Sum(Vector128.WidenLower(l23)) + su[4] * Vector128.Sum(Vector128.WidenLower(u23));
        isum[3] += sl[6] * Vector128.Sum(Vector128.WidenUpper(l23)) + su[6] * Vector128.Sum(Vector128.WidenUpper(u23));
        isum[4] += sl[8] * Vector128.Sum(Vector128.WidenLower(l45)) + su[8] * Vector128.Sum(Vector128.WidenLower(u45));
        isum[5] += sl[10] * Vector128.Sum(Vector128.WidenUpper(l45)) + su[10] * Vector128.Sum(Vector128.WidenUpper(u45));
        isum[6] += sl[12] * Vector128.Sum(Vector128.WidenLower(l67)) + su[12] * Vector128.Sum(Vector128.WidenLower(u67));
        isum[7] += sl[14] * Vector128.Sum(Vector128.WidenUpper(l67)) + su[14] * Vector128.Sum(Vector128.WidenUpper(u67));
    }

    /// <summary>8 rows × 1 token, one level at a time over the packed layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvScalar(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        Span<float> acc = stackalloc float[8];
        acc.Clear();
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256)
        {
            sbyte* scales = (sbyte*)w + ScalesOffset;
            for (int r = 0; r < 8; r++)
            {
                int isum = 0;
                for (int h = 0; h < 2; h++)
                {
                    for (int quad = 0; quad < 8; quad++)
                    {
                        byte* unit = w + QOffset + (h * 8 + quad) * UnitBytes + r * 4;
                        for (int s = 0; s < 4; s++)
                        {
                            int scale = scales[16 * (4 * h + s) + 2 * r + quad / 4];
                            for (int k = 0; k < 4; k++)
                            {
                                int level = s < 3 ? unit[32 * s + k] & 63 : unit[k] >> 6 | (unit[32 + k] >> 6) << 2 | (unit[64 + k] >> 6) << 4;
                                isum += scale * (level - 32) * a[128 * h + 32 * s + 4 * quad + k];
                            }
                        }
                    }
                }
                acc[r] += da[b] * HalfVector.ToSingle(((ushort*)w)[r]) * isum;
            }
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }
}
