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
    internal static readonly int PrefetchDistance = int.TryParse(Environment.GetEnvironmentVariable("CINDER_PREFETCH"), out var d) ? d : 2048;

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
        for (int b = 0; b < blocks; b++, w += BlockBytes)
        {
            var dw = HalfVector.ToSingle(Vector128.Load((ushort*)w));
            byte* q = w + 16;
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            int o = b * 32;
            for (int quad = 0; quad < 8; quad++, o += 4)
            {
                var wq = Vector256.Load(q + quad * 32);
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, wq, Quad(a0 + o));
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, wq, Quad(a1 + o));
                i2 = AvxVnni.MultiplyWideningAndAdd(i2, wq, Quad(a2 + o));
                i3 = AvxVnni.MultiplyWideningAndAdd(i3, wq, Quad(a3 + o));
            }
            f0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i0 - Vector256.Create(128 * s0[b])), dw * Vector256.Create(d0[b]), f0);
            f1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i1 - Vector256.Create(128 * s1[b])), dw * Vector256.Create(d1[b]), f1);
            f2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i2 - Vector256.Create(128 * s2[b])), dw * Vector256.Create(d2[b]), f2);
            f3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(i3 - Vector256.Create(128 * s3[b])), dw * Vector256.Create(d3[b]), f3);
        }
        f0.Store(y);
        f1.Store(y + yStride);
        f2.Store(y + 2 * yStride);
        f3.Store(y + 3 * yStride);
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
