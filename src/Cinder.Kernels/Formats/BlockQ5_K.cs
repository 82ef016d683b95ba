using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// ggml's block_q5_K: like <see cref="BlockQ4_K"/> with a fifth bit per weight in <see cref="Qh"/> (176 bytes, 5.5 bits per weight).
/// </summary>
/// <remarks>
/// x = d * sc[s] * q - dmin * m[s] with q in [0, 31]. Bit k of Qh[l] is the fifth bit of weight 32k + l;
/// the low nibbles are laid out as in Q4_K.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_K : IWeightBlock<BlockQ5_K, BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Super-block scale of the sub-block scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the sub-block minimums.</summary>
    public Half Dmin;

    /// <summary>Eight 6-bit scales and eight 6-bit minimums, packed as in Q4_K.</summary>
    public fixed byte Scales[12];

    /// <summary>Fifth bits.</summary>
    public fixed byte Qh[Length / 8];

    /// <summary>Low 4 bits.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q5_K;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ5_K block, Span<float> destination)
    {
        var b = block;
        var scales = new ReadOnlySpan<byte>(b.Scales, 12);
        float d = (float)b.D;
        float min = (float)b.Dmin;
        int y = 0;
        int ql = 0;
        int s = 0;
        int u1 = 1, u2 = 2;
        for (int j = 0; j < Length; j += 64)
        {
            QuantMath.GetScaleMinK4(s + 0, scales, out byte sc, out byte m);
            float d1 = d * sc;
            float m1 = min * m;
            QuantMath.GetScaleMinK4(s + 1, scales, out sc, out m);
            float d2 = d * sc;
            float m2 = min * m;
            for (int l = 0; l < 32; ++l) destination[y++] = d1 * ((b.Qs[ql + l] & 0xF) + ((b.Qh[l] & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l) destination[y++] = d2 * ((b.Qs[ql + l] >> 4) + ((b.Qh[l] & u2) != 0 ? 16 : 0)) - m2;
            ql += 32;
            s += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    /// <remarks>quantize_row_q5_K_ref: as Q4_K with 31 levels and make_qkx2_quants(rmin -0.5, rdelta 0.1, 16 trial scales).</remarks>
    public static void Quantize(ReadOnlySpan<float> x, out BlockQ5_K block)
    {
        block = default;
        Span<byte> levels = stackalloc byte[Length];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[Length / 32];
        Span<float> scales = stackalloc float[Length / 32];

        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < Length / 32; ++j)
        {
            var xs = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; ++l) sumX2 += xs[l] * xs[l];
            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; ++l) weights[l] = avX + MathF.Abs(xs[l]);
            scales[j] = QuantMath.MakeQkx2Quants(32, 31, xs, weights, levels.Slice(32 * j, 32), out mins[j], scratch, -0.5f, 0.1f, 15, false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        float invScale = maxScale > 0 ? 63.0f / maxScale : 0.0f;
        float invMin = maxMin > 0 ? 63.0f / maxMin : 0.0f;
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];
        for (int j = 0; j < Length / 32; ++j)
        {
            ls[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invScale * scales[j]));
            lm[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invMin * mins[j]));
        }
        fixed (byte* p = block.Scales) QuantMath.PackScaleMinK4(ls, lm, new Span<byte>(p, 12));
        block.D = Fp16.FromFloat(maxScale / 63.0f);
        block.Dmin = Fp16.FromFloat(maxMin / 63.0f);

        fixed (byte* p = block.Scales)
        {
            var packed = new ReadOnlySpan<byte>(p, 12);
            for (int j = 0; j < Length / 32; ++j)
            {
                QuantMath.GetScaleMinK4(j, packed, out byte sc, out byte m);
                float d = (float)block.D * sc;
                if (d == 0) continue;
                float dm = (float)block.Dmin * m;
                for (int ii = 0; ii < 32; ++ii)
                {
                    int l = QuantMath.NearestInt((x[32 * j + ii] + dm) / d);
                    levels[32 * j + ii] = (byte)Math.Max(0, Math.Min(31, l));
                }
            }
        }

        int ql = 0;
        byte m1 = 1, m2 = 2;
        for (int n = 0; n < Length; n += 64)
        {
            for (int j = 0; j < 32; ++j)
            {
                int l1 = levels[n + j];
                if (l1 > 15)
                {
                    l1 -= 16;
                    block.Qh[j] |= m1;
                }
                int l2 = levels[n + j + 32];
                if (l2 > 15)
                {
                    l2 -= 16;
                    block.Qh[j] |= m2;
                }
                block.Qs[ql + j] = (byte)(l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    /// <remarks>ggml_vec_dot_q5_K_q8_K_generic: as Q4_K, with the fifth bit adding 16 to each level.</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ5_K> weights, ReadOnlySpan<BlockQ8_K> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        Span<sbyte> aux8 = stackalloc sbyte[Length];
        Span<short> aux16 = stackalloc short[8];
        Span<float> sums = stackalloc float[8];
        Span<int> aux32 = stackalloc int[8];
        Span<byte> scales = stackalloc byte[8];
        Span<byte> mins = stackalloc byte[8];
        sums.Clear();
        float sumf = 0;
        for (int i = 0; i < weights.Length; ++i)
        {
            var x = weights[i];
            var y = activations[i];
            int a = 0;
            int q4 = 0;
            int m = 1;
            for (int j = 0; j < Length / 64; ++j)
            {
                for (int l = 0; l < 32; ++l) aux8[a + l] = (sbyte)(x.Qs[q4 + l] & 0xF);
                for (int l = 0; l < 32; ++l) aux8[a + l] += (sbyte)((x.Qh[l] & m) != 0 ? 16 : 0);
                a += 32;
                m <<= 1;
                for (int l = 0; l < 32; ++l) aux8[a + l] = (sbyte)(x.Qs[q4 + l] >> 4);
                for (int l = 0; l < 32; ++l) aux8[a + l] += (sbyte)((x.Qh[l] & m) != 0 ? 16 : 0);
                a += 32;
                m <<= 1;
                q4 += 32;
            }
            var packed = new ReadOnlySpan<byte>(x.Scales, 12);
            for (int j = 0; j < 8; ++j) QuantMath.GetScaleMinK4(j, packed, out scales[j], out mins[j]);

            int sumi = 0;
            for (int j = 0; j < Length / 16; ++j) sumi += y.Bsums[j] * mins[j / 2];
            aux32.Clear();
            a = 0;
            int q8 = 0;
            for (int j = 0; j < Length / 32; ++j)
            {
                int scale = scales[j];
                for (int k = 0; k < 4; ++k)
                {
                    for (int l = 0; l < 8; ++l) aux16[l] = (short)(y.Qs[q8 + l] * aux8[a + l]);
                    for (int l = 0; l < 8; ++l) aux32[l] += scale * aux16[l];
                    q8 += 8;
                    a += 8;
                }
            }
            float d = (float)x.D * y.D;
            for (int l = 0; l < 8; ++l) sums[l] += d * aux32[l];
            float dmin = (float)x.Dmin * y.D;
            sumf -= dmin * sumi;
        }
        for (int l = 0; l < 8; ++l) sumf += sums[l];
        return sumf;
    }
}
