using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Q8_0 weights repacked eight rows at a time so that one 256-bit register holds 4 consecutive levels of
/// each of 8 rows: a vpdpbusd against 4 broadcast activation levels then yields 8 row partial sums at once,
/// and the block scales of the 8 rows multiply as one vector. Levels are stored biased by +128 as unsigned
/// bytes (vpdpbusd multiplies unsigned by signed); the bias is removed with the activation block sums.
/// Same size as the original: per 8 rows and block, 8 FP16 scales (16 bytes) and 256 level bytes.
/// </summary>
/// <remarks>Layout of one (row group, block): ushort d[8]; byte q[8 quads][8 rows][4], q = level + 128.</remarks>
public sealed unsafe class PackedQ8_0 : PackedMatrix
{
    internal const int BlockBytes = 16 + 256;

    /// <summary>How far ahead of the block being read the streaming kernels ask for data (bytes).</summary>
    internal const int PrefetchDistance = 32 * BlockBytes;

    public PackedQ8_0(IReadOnlyList<WeightMatrix> parts) : base(parts, 32, BlockBytes)
    {
        if (Type != GgmlType.Q8_0) throw new ArgumentException("not a Q8_0 matrix", nameof(parts));
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
                    byte* src = rows[r] + (long)b * sizeof(BlockQ8_0);
                    ((ushort*)dst)[r] = *(ushort*)src;
                    // level + 128 as an unsigned byte is the level's two's complement with the top bit flipped.
                    for (int quad = 0; quad < 8; quad++) *(uint*)(dst + 16 + quad * 32 + r * 4) = *(uint*)(src + 2 + quad * 4) ^ 0x80808080u;
                }
            }
        });
    }

    public override ActivationFormat ActivationFormat => ActivationFormat.Q8_0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Multiply(QuantizedActivations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa)
    {
        var a = Expect<Q8Activations>(activations, tokens);
        // F32 block scales of two row groups for the 16-row GEMM (a few KiB; allocated once per call).
        float* scales = stackalloc float[isa == KernelIsa.AvxVnni && tokens >= 8 ? 16 * Blocks : 0];
        for (int g = groupStart; g < groupEnd; g++)
        {
            byte* w = Block(g, 0);
            int t = 0;
            if (isa == KernelIsa.AvxVnni)
            {
                if (tokens >= 4 && g + 1 < groupEnd)
                {
                    // Two groups at once (16 rows): every broadcast activation feeds two vpdpbusd.
                    byte* w1 = Block(g + 1, 0);
                    // The first tile converts the block scales to F32 as it streams the weights in (a pass of its
                    // own would walk memory strided, waiting on every block) and keeps them for the later tiles.
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

    /// <summary>8 rows × 1 token with vpdpbusd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVnni(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        int* sums = act.Sums(token);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            Sse.Prefetch0(w + PrefetchDistance);
            Sse.Prefetch0(w + PrefetchDistance + 64);
            Sse.Prefetch0(w + PrefetchDistance + 128);
            Sse.Prefetch0(w + PrefetchDistance + 192);
            Sse.Prefetch0(w + PrefetchDistance + 256);
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            byte* q = w + 16;
            var acc0 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(q), Quad(a));
            var acc1 = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(q + 32), Quad(a + 4));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.Load(q + 64), Quad(a + 8));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.Load(q + 96), Quad(a + 12));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.Load(q + 128), Quad(a + 16));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.Load(q + 160), Quad(a + 20));
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.Load(q + 192), Quad(a + 24));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.Load(q + 224), Quad(a + 28));
            var dot = acc0 + acc1 - Vector256.Create(128 * sums[b]);
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dot), dw * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    /// <summary>8 rows × 4 tokens with vpdpbusd: each weight register is used four times.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Gemm4Vnni(byte* w, int blocks, Q8Activations act, int token, float* y, int yStride)
    {
        sbyte* a0 = act.Levels(token), a1 = act.Levels(token + 1), a2 = act.Levels(token + 2), a3 = act.Levels(token + 3);
        float* d0 = act.Scales(token), d1 = act.Scales(token + 1), d2 = act.Scales(token + 2), d3 = act.Scales(token + 3);
        int* s0 = act.Sums(token), s1 = act.Sums(token + 1), s2 = act.Sums(token + 2), s3 = act.Sums(token + 3);
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        var dots = stackalloc Vector256<int>[4];
        for (int b = 0; b < blocks; b++, w += BlockBytes)
        {
            int o = b * 32;
            BlockDotsVnni(w + 16, a0 + o, a1 + o, a2 + o, a3 + o, dots);
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots[0] - Vector256.Create(128 * s0[b])), dw * Vector256.Create(d0[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots[1] - Vector256.Create(128 * s1[b])), dw * Vector256.Create(d1[b]), f1);
            f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots[2] - Vector256.Create(128 * s2[b])), dw * Vector256.Create(d2[b]), f2);
            f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(dots[3] - Vector256.Create(128 * s3[b])), dw * Vector256.Create(d3[b]), f3);
        }
        f0.Store(y);
        f1.Store(y + yStride);
        f2.Store(y + 2 * yStride);
        f3.Store(y + 3 * yStride);
    }

    /// <summary>
    /// The integer work of one block for four tokens, even and odd quads in separate accumulators: eight
    /// independent vpdpbusd chains. Out of line so the accumulators get the low 16 registers, the only ones
    /// VEX-encoded vpdpbusd can name.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockDotsVnni(byte* q, sbyte* a0, sbyte* a1, sbyte* a2, sbyte* a3, Vector256<int>* dots)
    {
        Vector256<int> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector256<int> o0 = default, o1 = default, o2 = default, o3 = default;
        for (nint k = 0; k < 32; k += 8, q += 64)
        {
            var we = Vector256.Load(q);
            var wo = Vector256.Load(q + 32);
            e0 = AvxVnni.MultiplyWideningAndAdd(e0, we, Quad(a0 + k));
            o0 = AvxVnni.MultiplyWideningAndAdd(o0, wo, Quad(a0 + k + 4));
            e1 = AvxVnni.MultiplyWideningAndAdd(e1, we, Quad(a1 + k));
            o1 = AvxVnni.MultiplyWideningAndAdd(o1, wo, Quad(a1 + k + 4));
            e2 = AvxVnni.MultiplyWideningAndAdd(e2, we, Quad(a2 + k));
            o2 = AvxVnni.MultiplyWideningAndAdd(o2, wo, Quad(a2 + k + 4));
            e3 = AvxVnni.MultiplyWideningAndAdd(e3, we, Quad(a3 + k));
            o3 = AvxVnni.MultiplyWideningAndAdd(o3, wo, Quad(a3 + k + 4));
        }
        dots[0] = e0 + o0;
        dots[1] = e1 + o1;
        dots[2] = e2 + o2;
        dots[3] = e3 + o3;
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
            for (nint quad = 0; quad < 32; quad += 4, q += 32, r += 32)
            {
                var wa = Vector256.Load(q);
                var wb = Vector256.Load(r);
                var x = Quad(ab + quad);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, wa, x);
                j0 = AvxVnni.MultiplyWideningAndAdd(j0, wb, x);
                x = Quad(ab + k + quad);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, wa, x);
                j1 = AvxVnni.MultiplyWideningAndAdd(j1, wb, x);
                x = Quad(ab + 2 * k + quad);
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, wa, x);
                j2 = AvxVnni.MultiplyWideningAndAdd(j2, wb, x);
                x = Quad(ab + 3 * k + quad);
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, wa, x);
                j3 = AvxVnni.MultiplyWideningAndAdd(j3, wb, x);
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

    /// <summary>acc[0..16) += (dots − 128·Σa) · dw · da for the two row groups of one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Epilogue(float* acc, Vector256<int> i, Vector256<int> j, Vector256<float> dwA, Vector256<float> dwB, float da, int sum)
    {
        var c = Vector256.Create(128 * sum);
        var d = Vector256.Create(da);
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i - c), dwA * d, Vector256.Load(acc)).Store(acc);
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(j - c), dwB * d, Vector256.Load(acc + 8)).Store(acc + 8);
    }

    /// <summary>8 rows × 1 token on AVX2 without VNNI: levels back to signed, then vpmaddubsw on |w| and sign-adjusted activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvAvx2(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        var bias = Vector256.Create((byte)0x80);
        var ones = Vector256.Create((short)1);
        var facc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            byte* q = w + 16;
            var acc = Vector256<int>.Zero;
            for (int quad = 0; quad < 8; quad++)
            {
                var ws = (Vector256.Load(q + quad * 32) ^ bias).AsSByte();
                var p = Avx2.MultiplyAddAdjacent(Avx2.Abs(ws), Avx2.Sign(Quad(a + quad * 4), ws));
                acc += Avx2.MultiplyAddAdjacent(p, ones);
            }
            facc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(acc), dw * Vector256.Create(da[b]), facc);
        }
        facc.Store(y);
    }

    /// <summary>8 rows × 1 token with portable 128-bit vectors (Arm AdvSimd, SSE): widen to 16 bits, multiply, widen and add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemvVector128(byte* w, int blocks, Q8Activations act, int token, float* y)
    {
        sbyte* a = act.Levels(token);
        float* da = act.Scales(token);
        var bias = Vector128.Create((byte)0x80);
        var lo = Vector128<float>.Zero;
        var hi = Vector128<float>.Zero;
        for (int b = 0; b < blocks; b++, w += BlockBytes, a += 32)
        {
            byte* q = w + 16;
            // Per row, four int32 lanes (one per level of the quad), summed at the end of the block.
            Vector128<int> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default, r6 = default, r7 = default;
            for (int quad = 0; quad < 8; quad++)
            {
                var aq = Vector128.Create(*(int*)(a + quad * 4)).AsSByte();
                var aw = Vector128.WidenLower(aq); // 8 x int16: the quad twice
                var w03 = (Vector128.Load(q + quad * 32) ^ bias).AsSByte();      // rows 0..3
                var w47 = (Vector128.Load(q + quad * 32 + 16) ^ bias).AsSByte(); // rows 4..7
                var p01 = Vector128.WidenLower(w03) * aw;
                var p23 = Vector128.WidenUpper(w03) * aw;
                var p45 = Vector128.WidenLower(w47) * aw;
                var p67 = Vector128.WidenUpper(w47) * aw;
                r0 += Vector128.WidenLower(p01); r1 += Vector128.WidenUpper(p01);
                r2 += Vector128.WidenLower(p23); r3 += Vector128.WidenUpper(p23);
                r4 += Vector128.WidenLower(p45); r5 += Vector128.WidenUpper(p45);
                r6 += Vector128.WidenLower(p67); r7 += Vector128.WidenUpper(p67);
            }
            var s03 = Vector128.ConvertToSingle(Vector128.Create(Vector128.Sum(r0), Vector128.Sum(r1), Vector128.Sum(r2), Vector128.Sum(r3)));
            var s47 = Vector128.ConvertToSingle(Vector128.Create(Vector128.Sum(r4), Vector128.Sum(r5), Vector128.Sum(r6), Vector128.Sum(r7)));
            var scale = Vector128.Create(da[b]);
            lo = Vector128.FusedMultiplyAdd(s03, HalfVector.ToSingle(Vector64.Load((ushort*)w)) * scale, lo);
            hi = Vector128.FusedMultiplyAdd(s47, HalfVector.ToSingle(Vector64.Load((ushort*)w + 4)) * scale, hi);
        }
        lo.Store(y);
        hi.Store(y + 4);
    }

    /// <summary>8 rows × 1 token, one level at a time over the packed layout.</summary>
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
                for (int j = 0; j < 32; j++) dot += (w[16 + (j / 4) * 32 + r * 4 + j % 4] - 128) * a[j];
                acc[r] += dot * (HalfVector.ToSingle(((ushort*)w)[r]) * da[b]);
            }
        }
        for (int r = 0; r < 8; r++) y[r] = acc[r];
    }
}
