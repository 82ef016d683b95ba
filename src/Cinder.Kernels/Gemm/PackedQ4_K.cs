using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Q4_K weights repacked eight rows at a time for vpdpbusd, as <see cref="PackedQ4_0"/>: one 256-bit load holds 4
/// packed bytes of each of 8 rows; their low nibbles are 4 levels of sub-block 2c of chunk c and their high nibbles
/// the same 4 levels of sub-block 2c+1 (ggml's nibble order), unsigned 0..15. A sub-block's 8 quads give 8 row sums
/// Σ q·a, which are multiplied by the 8 rows' 6-bit scales; the minimums never enter the inner loop: they are applied
/// per super-block through the activations' sums of 32 levels (Σ_j m_j · Σ a). The scales and minimums of the 8 rows
/// are stored transposed in three 32-byte bit planes, so that a few vector shifts and masks unpack all 128 of them;
/// the packed matrix keeps the size of the original (8 × 144 bytes per super-block).
/// </summary>
/// <remarks>
/// Layout of one (row group, super-block of 256 columns), 1152 bytes:
/// <code>
/// ushort d[8]; ushort dmin[8];                            FP16 super-block scales of rows 0..7
/// byte scaleLow[32]; byte minLow[32]; byte high[32];      6-bit S (scales) and M (minimums) of 8 rows × 8 sub-blocks
/// byte q[4 chunks][8 quads][8 rows][4]                    = ggml qs[32·chunk + 4·quad + k] of each row
/// </code>
/// S and M are indexed i = 16·pair + 2·row + parity for sub-block j = 2·pair + parity (pair = chunk), and
/// scaleLow[k] = S[k] &amp; 15 | (S[k+32] &amp; 15) &lt;&lt; 4, minLow[k] likewise for M,
/// high[k] = S[k] &gt;&gt; 4 | (S[k+32] &gt;&gt; 4) &lt;&lt; 2 | (M[k] &gt;&gt; 4) &lt;&lt; 4 | (M[k+32] &gt;&gt; 4) &lt;&lt; 6.
/// Unpacked, bytes 16·pair .. 16·pair+15 are one pair's (row, parity) values: zero-extended to 16 bits, a 32-bit lane
/// per row holds both parities' scales, and vpmaddwd with a pair of activation sums applies two minimums at once.
/// y[r] = Σ_blocks d_a · (d_r · Σ_j S[r, j] · Σ_{i∈j} q_i a_i − dmin_r · Σ_j M[r, j] · Σ_{i∈j} a_i).
/// </remarks>
public sealed unsafe class PackedQ4_K : PackedMatrix
{
    internal const int BlockBytes = 8 * 144;

    /// <summary>
    /// How far ahead of the super-block being read the GEMV kernels ask for data: 8 super-blocks. Measured on the
    /// 2-core EPYC (Zen 5) development machine, with other processes sharing the memory bus, it raised GEMV throughput
    /// by about a fifth (4 to 16 super-blocks did about as well); the hardware prefetchers alone fall behind.
    /// </summary>
    private const int PrefetchDistance = 8 * BlockBytes;
    private const int DminOffset = 16;
    private const int ScaleLowOffset = 32;
    private const int MinLowOffset = 64;
    private const int HighOffset = 96;
    private const int QsOffset = 128;

    public PackedQ4_K(IReadOnlyList<WeightMatrix> parts) : base(parts, BlockQ4_K.Length, BlockBytes)
    {
        if (Type != GgmlType.Q4_K) throw new ArgumentException("not a Q4_K matrix", nameof(parts));
        // Groups are independent: repack them in parallel (load time only).
        Parallel.For(0, Groups, g =>
        {
            var rows = stackalloc byte*[8];
            for (int r = 0; r < 8; r++) rows[r] = SourceRow(g * 8 + r);
            byte* s = stackalloc byte[64];
            byte* m = stackalloc byte[64];
            for (int b = 0; b < Blocks; b++)
            {
                byte* dst = Block(g, b);
                for (int r = 0; r < 8; r++)
                {
                    var src = (BlockQ4_K*)(rows[r] + (long)b * sizeof(BlockQ4_K));
                    ((Half*)dst)[r] = src->D;
                    ((Half*)(dst + DminOffset))[r] = src->Dmin;
                    var packedScales = new ReadOnlySpan<byte>(src->Scales, 12);
                    for (int j = 0; j < 8; j++)
                    {
                        QuantMath.GetScaleMinK4(j, packedScales, out byte sc, out byte mn);
                        s[16 * (j / 2) + 2 * r + j % 2] = sc;
                        m[16 * (j / 2) + 2 * r + j % 2] = mn;
                    }
                    for (int chunk = 0; chunk < 4; chunk++)
                    {
                        for (int quad = 0; quad < 8; quad++) *(uint*)(dst + QsOffset + chunk * 256 + quad * 32 + r * 4) = *(uint*)(src->Qs + 32 * chunk + 4 * quad);
                    }
                }
                for (int k = 0; k < 32; k++)
                {
                    dst[ScaleLowOffset + k] = (byte)((s[k] & 15) | (s[k + 32] & 15) << 4);
                    dst[MinLowOffset + k] = (byte)((m[k] & 15) | (m[k + 32] & 15) << 4);
                    dst[HighOffset + k] = (byte)(s[k] >> 4 | (s[k + 32] >> 4) << 2 | (m[k] >> 4) << 4 | (m[k + 32] >> 4) << 6);
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

    /// <summary>Two consecutive 16-bit activation sums broadcast to every 32-bit lane (the vpmaddwd partner of a pair's minimums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Pair(short* sums) => Vector256.Create(*(int*)sums).AsInt16();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> High(Vector256<byte> raw) => Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);

    /// <summary>
    /// The 64 scales and 64 minimums of a (group, super-block) as bytes in (pair, row, parity) order:
    /// <paramref name="s01"/> = pairs 0 and 1 of the scales, <paramref name="s23"/> = pairs 2 and 3; likewise the minimums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpackScales(byte* w, out Vector256<byte> s01, out Vector256<byte> s23, out Vector256<byte> m01, out Vector256<byte> m23)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var bits45 = Vector256.Create((byte)0x30);
        var s = Vector256.Load(w + ScaleLowOffset);
        var m = Vector256.Load(w + MinLowOffset);
        var h = Vector256.Load(w + HighOffset).AsUInt16();
        // 16-bit shifts move bits across the bytes of a lane; the masks keep only each byte's own.
        s01 = (s & low4) | (Vector256.ShiftLeft(h, 4).AsByte() & bits45);
        s23 = (Vector256.ShiftRightLogical(s.AsUInt16(), 4).AsByte() & low4) | (Vector256.ShiftLeft(h, 2).AsByte() & bits45);
        m01 = (m & low4) | (h.AsByte() & bits45);
        m23 = (Vector256.ShiftRightLogical(m.AsUInt16(), 4).AsByte() & low4) | (Vector256.ShiftRightLogical(h, 2).AsByte() & bits45);
    }

    /// <summary>
    /// One chunk of 64 columns (sub-blocks 2c and 2c+1) for 8 rows and 1 token with vpdpbusd: Σ_rows S_even · Σ q·a + S_odd · Σ q·a.
    /// <paramref name="scales"/> holds per row the pair's two scales (even in the low 16 bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ChunkVnni(byte* q, sbyte* a, Vector256<int> scales, Vector256<byte> mask)
    {
        Vector256<int> lo0 = default, lo1 = default, hi0 = default, hi1 = default;
        for (int quad = 0; quad < 8; quad += 2)
        {
            var r0 = Vector256.Load(q + quad * 32);
            var r1 = Vector256.Load(q + quad * 32 + 32);
            lo0 = AvxVnni.MultiplyWideningAndAdd(lo0, r0 & mask, Quad(a + quad * 4));
            hi0 = AvxVnni.MultiplyWideningAndAdd(hi0, High(r0), Quad(a + 32 + quad * 4));
            lo1 = AvxVnni.MultiplyWideningAndAdd(lo1, r1 & mask, Quad(a + quad * 4 + 4));
            hi1 = AvxVnni.MultiplyWideningAndAdd(hi1, High(r1), Quad(a + 32 + quad * 4 + 4));
        }
        return (lo0 + lo1) * (scales & Vector256.Create(0xFFFF)) + (hi0 + hi1) * Vector256.ShiftRightLogical(scales, 16);
    }

    /// <summary>Σ_j M[r, j] · (Σ a over sub-block j) for the 8 rows, through vpmaddwd on (pair, row, parity) minimums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Minimums(Vector256<byte> m01, Vector256<byte> m23, short* sums32) =>
        Avx2.MultiplyAddAdjacent(Vector256.WidenLower(m01).AsInt16(), Pair(sums32))
        + Avx2.MultiplyAddAdjacent(Vector256.WidenUpper(m01).AsInt16(), Pair(sums32 + 2))
        + Avx2.MultiplyAddAdjacent(Vector256.WidenLower(m23).AsInt16(), Pair(sums32 + 4))
        + Avx2.MultiplyAddAdjacent(Vector256.WidenUpper(m23).AsInt16(), Pair(sums32 + 6));

    /// <summary>8 rows × 1 token with vpdpbusd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVnni(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums32(token);
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> fsum = default, fmin = default;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 8)
        {
            Prefetch(w + PrefetchDistance);
            UnpackScales(w, out var s01, out var s23, out var m01, out var m23);
            byte* q = w + QsOffset;
            var isum = ChunkVnni(q, a, Vector256.WidenLower(s01).AsInt32(), mask)
                + ChunkVnni(q + 256, a + 64, Vector256.WidenUpper(s01).AsInt32(), mask)
                + ChunkVnni(q + 512, a + 128, Vector256.WidenLower(s23).AsInt32(), mask)
                + ChunkVnni(q + 768, a + 192, Vector256.WidenUpper(s23).AsInt32(), mask);
            var imin = Minimums(m01, m23, sums);
            var scale = Vector256.Create(da[b]);
            fsum = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), HalfVector.ToSingle(Vector128.Load((ushort*)w)) * scale, fsum);
            fmin = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(imin), HalfVector.ToSingle(Vector128.Load((ushort*)(w + DminOffset))) * scale, fmin);
        }
        (fsum - fmin).Store(y);
    }

    /// <summary>
    /// 8 rows × 4 tokens with vpdpbusd: each unpacked weight register is used four times. The integer work of a
    /// super-block is a separate method: with only its own values live, the vpdpbusd accumulators get registers the
    /// VEX/EVEX encoding takes in place (the JIT otherwise copies them around every instruction).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm4Vnni(byte* w, int blocks, Q8KActivations act, int token, float* y, int yStride)
    {
        sbyte* a0 = act.Levels(token), a1 = act.Levels(token + 1), a2 = act.Levels(token + 2), a3 = act.Levels(token + 3);
        float* d0 = act.Scales(token), d1 = act.Scales(token + 1), d2 = act.Scales(token + 2), d3 = act.Scales(token + 3);
        short* s0 = act.Sums32(token), s1 = act.Sums32(token + 1), s2 = act.Sums32(token + 2), s3 = act.Sums32(token + 3);
        var scales = stackalloc Vector256<int>[4];
        var sums = stackalloc Vector256<int>[4];
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int b = 0; b < blocks; b++, w += BlockBytes)
        {
            UnpackScales(w, out var s01, out var s23, out var m01, out var m23);
            scales[0] = Vector256.WidenLower(s01).AsInt32();
            scales[1] = Vector256.WidenUpper(s01).AsInt32();
            scales[2] = Vector256.WidenLower(s23).AsInt32();
            scales[3] = Vector256.WidenUpper(s23).AsInt32();
            int o = b * 256;
            SuperBlock4Vnni(w + QsOffset, a0 + o, a1 + o, a2 + o, a3 + o, scales, sums);
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            var dmin = HalfVector.ToSingle(Vector128.Load((ushort*)(w + DminOffset)));
            int p = b * 8;
            f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[0]), dw * Vector256.Create(d0[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[1]), dw * Vector256.Create(d1[b]), f1);
            f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[2]), dw * Vector256.Create(d2[b]), f2);
            f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums[3]), dw * Vector256.Create(d3[b]), f3);
            f0 = Fma.MultiplyAddNegated(Vector256.ConvertToSingle(Minimums(m01, m23, s0 + p)), dmin * Vector256.Create(d0[b]), f0);
            f1 = Fma.MultiplyAddNegated(Vector256.ConvertToSingle(Minimums(m01, m23, s1 + p)), dmin * Vector256.Create(d1[b]), f1);
            f2 = Fma.MultiplyAddNegated(Vector256.ConvertToSingle(Minimums(m01, m23, s2 + p)), dmin * Vector256.Create(d2[b]), f2);
            f3 = Fma.MultiplyAddNegated(Vector256.ConvertToSingle(Minimums(m01, m23, s3 + p)), dmin * Vector256.Create(d3[b]), f3);
        }
        f0.Store(y);
        f1.Store(y + yStride);
        f2.Store(y + 2 * yStride);
        f3.Store(y + 3 * yStride);
    }

    /// <summary>sums[t] = Σ_j S[r, j] · Σ_{i∈j} q_i a_t,i over one super-block, for 8 rows and the 4 tokens' levels a0..a3.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SuperBlock4Vnni(byte* q, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Vector256<int>* scales, Vector256<int>* sums)
    {
        var mask = Vector256.Create((byte)0x0F);
        sums[0] = sums[1] = sums[2] = sums[3] = Vector256<int>.Zero;
        for (int chunk = 0; chunk < 4; chunk++, q += 256, a0 += 64, a1 += 64, a2 += 64, a3 += 64)
        {
            // Low nibbles: sub-block 2·chunk (e); high nibbles: sub-block 2·chunk + 1 (h).
            Vector256<int> e0 = default, e1 = default, e2 = default, e3 = default;
            Vector256<int> h0 = default, h1 = default, h2 = default, h3 = default;
            byte* end = q + 256;
            nint k = 0;
            for (byte* wq = q; wq < end; wq += 32, k += 4)
            {
                var raw = Vector256.Load(wq);
                var lo = raw & mask;
                var hi = High(raw);
                e0 = AvxVnni.MultiplyWideningAndAdd(e0, lo, Quad(a0 + k));
                h0 = AvxVnni.MultiplyWideningAndAdd(h0, hi, Quad(a0 + k + 32));
                e1 = AvxVnni.MultiplyWideningAndAdd(e1, lo, Quad(a1 + k));
                h1 = AvxVnni.MultiplyWideningAndAdd(h1, hi, Quad(a1 + k + 32));
                e2 = AvxVnni.MultiplyWideningAndAdd(e2, lo, Quad(a2 + k));
                h2 = AvxVnni.MultiplyWideningAndAdd(h2, hi, Quad(a2 + k + 32));
                e3 = AvxVnni.MultiplyWideningAndAdd(e3, lo, Quad(a3 + k));
                h3 = AvxVnni.MultiplyWideningAndAdd(h3, hi, Quad(a3 + k + 32));
            }
            var s = scales[chunk];
            var even = s & Vector256.Create(0xFFFF);
            var odd = Vector256.ShiftRightLogical(s, 16);
            sums[0] += e0 * even + h0 * odd;
            sums[1] += e1 * even + h1 * odd;
            sums[2] += e2 * even + h2 * odd;
            sums[3] += e3 * even + h3 * odd;
        }
    }

    /// <summary>
    /// One chunk for 8 rows and 1 token on AVX2 without VNNI: vpmaddubsw sums pairs of products in 16 bits
    /// (levels ≤ 15 and |a| ≤ 127: a pair is at most 3810, a sub-block's 8 quads at most 30480, below the int16 limit),
    /// vpmaddwd with ones widens to 32 bits, then the scales multiply as in <see cref="ChunkVnni"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ChunkAvx2(byte* q, sbyte* a, Vector256<int> scales, Vector256<byte> mask)
    {
        Vector256<short> lo = default, hi = default;
        for (int quad = 0; quad < 8; quad++)
        {
            var raw = Vector256.Load(q + quad * 32);
            lo += Avx2.MultiplyAddAdjacent(raw & mask, Quad(a + quad * 4));
            hi += Avx2.MultiplyAddAdjacent(High(raw), Quad(a + 32 + quad * 4));
        }
        var ones = Vector256.Create((short)1);
        return Avx2.MultiplyAddAdjacent(lo, ones) * (scales & Vector256.Create(0xFFFF))
            + Avx2.MultiplyAddAdjacent(hi, ones) * Vector256.ShiftRightLogical(scales, 16);
    }

    /// <summary>8 rows × 1 token on AVX2 without VNNI.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvAvx2(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums32(token);
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> fsum = default, fmin = default;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 8)
        {
            Prefetch(w + PrefetchDistance);
            UnpackScales(w, out var s01, out var s23, out var m01, out var m23);
            byte* q = w + QsOffset;
            var isum = ChunkAvx2(q, a, Vector256.WidenLower(s01).AsInt32(), mask)
                + ChunkAvx2(q + 256, a + 64, Vector256.WidenUpper(s01).AsInt32(), mask)
                + ChunkAvx2(q + 512, a + 128, Vector256.WidenLower(s23).AsInt32(), mask)
                + ChunkAvx2(q + 768, a + 192, Vector256.WidenUpper(s23).AsInt32(), mask);
            var imin = Minimums(m01, m23, sums);
            var scale = Vector256.Create(da[b]);
            fsum = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), HalfVector.ToSingle(Vector128.Load((ushort*)w)) * scale, fsum);
            fmin = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(imin), HalfVector.ToSingle(Vector128.Load((ushort*)(w + DminOffset))) * scale, fmin);
        }
        (fsum - fmin).Store(y);
    }

    /// <summary>The scales and minimums as bytes in (pair, row, parity) order, with portable 128-bit vectors: S to s[0..63], M to s[64..127].</summary>
    private static void UnpackScales128(byte* w, byte* s)
    {
        var low4 = Vector128.Create((byte)0x0F);
        var bits45 = Vector128.Create((byte)0x30);
        for (int half = 0; half < 2; half++)
        {
            var sl = Vector128.Load(w + ScaleLowOffset + 16 * half);
            var ml = Vector128.Load(w + MinLowOffset + 16 * half);
            var h = Vector128.Load(w + HighOffset + 16 * half).AsUInt16();
            ((sl & low4) | (Vector128.ShiftLeft(h, 4).AsByte() & bits45)).Store(s + 16 * half);
            ((Vector128.ShiftRightLogical(sl.AsUInt16(), 4).AsByte() & low4) | (Vector128.ShiftLeft(h, 2).AsByte() & bits45)).Store(s + 32 + 16 * half);
            ((ml & low4) | (h.AsByte() & bits45)).Store(s + 64 + 16 * half);
            ((Vector128.ShiftRightLogical(ml.AsUInt16(), 4).AsByte() & low4) | (Vector128.ShiftRightLogical(h, 2).AsByte() & bits45)).Store(s + 96 + 16 * half);
        }
    }

    /// <summary>
    /// 8 rows × 1 token with portable 128-bit vectors (Arm AdvSimd, SSE): levels and activations widened to 16 bits
    /// and multiplied (|products| ≤ 15·127, a sub-block's 8 quads at most 15240 per lane: within int16), row sums in
    /// 32 bits scaled per sub-block; minimums in scalar code (8 per row and super-block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVector128(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums32(token);
        var mask = Vector128.Create((byte)0x0F);
        byte* sm = stackalloc byte[128];
        int* isum = stackalloc int[8];
        float* acc = stackalloc float[8];
        for (int r = 0; r < 8; r++) acc[r] = 0;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 8)
        {
            UnpackScales128(w, sm);
            for (int r = 0; r < 8; r++) isum[r] = 0;
            for (int chunk = 0; chunk < 4; chunk++)
            {
                byte* q = w + QsOffset + chunk * 256;
                for (int parity = 0; parity < 2; parity++)
                {
                    sbyte* ap = a + chunk * 64 + parity * 32;
                    int shift = parity * 4;
                    Vector128<short> r01 = default, r23 = default, r45 = default, r67 = default;
                    for (int quad = 0; quad < 8; quad++)
                    {
                        var aw = Vector128.WidenLower(Vector128.Create(*(int*)(ap + quad * 4)).AsSByte()); // the quad twice, int16
                        var w03 = (Vector128.ShiftRightLogical(Vector128.Load(q + quad * 32).AsUInt16(), shift).AsByte() & mask).AsSByte();
                        var w47 = (Vector128.ShiftRightLogical(Vector128.Load(q + quad * 32 + 16).AsUInt16(), shift).AsByte() & mask).AsSByte();
                        r01 += Vector128.WidenLower(w03) * aw;
                        r23 += Vector128.WidenUpper(w03) * aw;
                        r45 += Vector128.WidenLower(w47) * aw;
                        r67 += Vector128.WidenUpper(w47) * aw;
                    }
                    byte* sc = sm + 16 * chunk + parity; // row r's scale at sc[2r]
                    isum[0] += sc[0] * Vector128.Sum(Vector128.WidenLower(r01));
                    isum[1] += sc[2] * Vector128.Sum(Vector128.WidenUpper(r01));
                    isum[2] += sc[4] * Vector128.Sum(Vector128.WidenLower(r23));
                    isum[3] += sc[6] * Vector128.Sum(Vector128.WidenUpper(r23));
                    isum[4] += sc[8] * Vector128.Sum(Vector128.WidenLower(r45));
                    isum[5] += sc[10] * Vector128.Sum(Vector128.WidenUpper(r45));
                    isum[6] += sc[12] * Vector128.Sum(Vector128.WidenLower(r67));
                    isum[7] += sc[14] * Vector128.Sum(Vector128.WidenUpper(r67));
                }
            }
            for (int r = 0; r < 8; r++)
            {
                int imin = 0;
                for (int j = 0; j < 8; j++) imin += sm[64 + 16 * (j / 2) + 2 * r + j % 2] * sums[j];
                acc[r] += da[b] * (HalfVector.ToSingle(((ushort*)w)[r]) * isum[r] - HalfVector.ToSingle(((ushort*)(w + DminOffset))[r]) * imin);
            }
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }

    /// <summary>8 rows × 1 token, one level at a time over the packed layout (scales decoded bit by bit from the planes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvScalar(byte* w, int blocks, Q8KActivations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        short* sums = act.Sums32(token);
        Span<float> acc = stackalloc float[8];
        acc.Clear();
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 256, sums += 8)
        {
            for (int r = 0; r < 8; r++)
            {
                int isum = 0, imin = 0;
                for (int j = 0; j < 8; j++)
                {
                    int i = 16 * (j / 2) + 2 * r + j % 2;
                    int plane = i / 32; // which nibble of the low planes, which bit pair of the high plane
                    int k = i % 32;
                    int scale = (w[ScaleLowOffset + k] >> (4 * plane) & 15) | (w[HighOffset + k] >> (2 * plane) & 3) << 4;
                    int min = (w[MinLowOffset + k] >> (4 * plane) & 15) | (w[HighOffset + k] >> (4 + 2 * plane) & 3) << 4;
                    int chunk = j / 2, parity = j % 2;
                    int dot = 0;
                    for (int l = 0; l < 32; l++)
                    {
                        byte packed = w[QsOffset + chunk * 256 + (l / 4) * 32 + r * 4 + l % 4];
                        int level = parity == 0 ? packed & 15 : packed >> 4;
                        dot += level * a[32 * j + l];
                    }
                    isum += scale * dot;
                    imin += min * sums[j];
                }
                acc[r] += da[b] * (HalfVector.ToSingle(((ushort*)w)[r]) * isum - HalfVector.ToSingle(((ushort*)(w + DminOffset))[r]) * imin);
            }
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }
}
