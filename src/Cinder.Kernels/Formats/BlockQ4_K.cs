using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// ggml's block_q4_K: a 256-weight super-block of eight 32-weight sub-blocks, each with a 6-bit scale and a 6-bit
/// minimum that are themselves scaled by the FP16 <see cref="D"/> and <see cref="Dmin"/> (144 bytes, 4.5 bits per weight).
/// </summary>
/// <remarks>
/// x = d * sc[s] * q - dmin * m[s] with q in [0, 15]. Scales and minimums are packed into 12 bytes (see
/// get_scale_min_k4); each 32 bytes of <see cref="Qs"/> hold 64 weights: sub-block 2k in the low nibbles, 2k+1 in the high.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_K : IWeightBlock<BlockQ4_K, BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Super-block scale of the sub-block scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the sub-block minimums.</summary>
    public Half Dmin;

    /// <summary>Eight 6-bit scales and eight 6-bit minimums, packed.</summary>
    public fixed byte Scales[12];

    /// <summary>4-bit levels.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q4_K;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ4_K block, Span<float> destination)
    {
        var b = block;
        var scales = new ReadOnlySpan<byte>(b.Scales, 12);
        float d = (float)b.D;
        float min = (float)b.Dmin;
        int y = 0;
        int q = 0;
        int s = 0;
        for (int j = 0; j < Length; j += 64)
        {
            QuantMath.GetScaleMinK4(s + 0, scales, out byte sc, out byte m);
            float d1 = d * sc;
            float m1 = min * m;
            QuantMath.GetScaleMinK4(s + 1, scales, out sc, out m);
            float d2 = d * sc;
            float m2 = min * m;
            for (int l = 0; l < 32; ++l) destination[y++] = d1 * (b.Qs[q + l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) destination[y++] = d2 * (b.Qs[q + l] >> 4) - m2;
            q += 32;
            s += 2;
        }
    }

    /// <remarks>
    /// quantize_row_q4_K_ref: each sub-block is fitted by make_qkx2_quants (weights sqrt(mean x^2) + |x|, 21 trial
    /// scales); the eight scales and minimums are quantized to 6 bits against their maxima; then every weight is
    /// re-quantized with the scale and minimum as stored.
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> x, out BlockQ4_K block)
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
            scales[j] = QuantMath.MakeQkx2Quants(32, 15, xs, weights, levels.Slice(32 * j, 32), out mins[j], scratch, -1.0f, 0.1f, 20, false);
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
                    levels[32 * j + ii] = (byte)Math.Max(0, Math.Min(15, l));
                }
            }
        }

        int q = 0;
        for (int j = 0; j < Length; j += 64)
        {
            for (int l = 0; l < 32; ++l) block.Qs[q + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 4));
            q += 32;
        }
    }

    /// <remarks>
    /// ggml_vec_dot_q4_K_q8_K_generic: per super-block, eight int32 lanes accumulate sc[s] * q * y.q; the lanes are
    /// scaled by d_x * d_y into eight float sums kept across blocks, the minimums are subtracted through
    /// dmin_x * d_y * sum(bsums * m), and the eight float sums are added last.
    /// </remarks>
    public static float DotReference(ReadOnlySpan<BlockQ4_K> weights, ReadOnlySpan<BlockQ8_K> activations)
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
            for (int j = 0; j < Length / 64; ++j)
            {
                for (int l = 0; l < 32; ++l) aux8[a + l] = (sbyte)(x.Qs[q4 + l] & 0xF);
                a += 32;
                for (int l = 0; l < 32; ++l) aux8[a + l] = (sbyte)(x.Qs[q4 + l] >> 4);
                a += 32;
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
