using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// ggml's block_q2_K: a 256-weight super-block of sixteen 16-weight sub-blocks with 4-bit scales and 4-bit minimums
/// scaled by the FP16 <see cref="D"/> and <see cref="Dmin"/> (84 bytes, 2.625 bits per weight).
/// </summary>
/// <remarks>
/// x = d * (scales[s] &amp; 15) * q - dmin * (scales[s] &gt;&gt; 4) with q in [0, 3]. Each 32 bytes of <see cref="Qs"/>
/// hold 128 weights: byte l carries weights l, l+32, l+64, l+96 in bit pairs 0, 2, 4, 6.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ2_K : IWeightBlock<BlockQ2_K, BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Low nibble: scale; high nibble: minimum; one byte per sub-block.</summary>
    public fixed byte Scales[Length / 16];

    /// <summary>2-bit levels.</summary>
    public fixed byte Qs[Length / 4];

    /// <summary>Super-block scale of the sub-block scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the sub-block minimums.</summary>
    public Half Dmin;

    public static GgmlType Type => GgmlType.Q2_K;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ2_K block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        float min = (float)b.Dmin;
        int y = 0, q = 0, s = 0;
        for (int n = 0; n < Length; n += 128)
        {
            int shift = 0;
            for (int j = 0; j < 4; ++j)
            {
                byte sc = b.Scales[s++];
                float dl = d * (sc & 0xF);
                float ml = min * (sc >> 4);
                for (int l = 0; l < 16; ++l) destination[y++] = dl * (sbyte)((b.Qs[q + l] >> shift) & 3) - ml;
                sc = b.Scales[s++];
                dl = d * (sc & 0xF);
                ml = min * (sc >> 4);
                for (int l = 0; l < 16; ++l) destination[y++] = dl * (sbyte)((b.Qs[q + l + 16] >> shift) & 3) - ml;
                shift += 2;
            }
            q += 32;
        }
    }

    /// <remarks>
    /// quantize_row_q2_K_ref: each sub-block is fitted by make_qkx2_quants (weights |x|, mean absolute error, 16 trial
    /// scales); scales and minimums are quantized to 4 bits against their maxima; then the weights are re-quantized.
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> x, out BlockQ2_K block)
    {
        block = default;
        Span<byte> levels = stackalloc byte[Length];
        Span<byte> scratch = stackalloc byte[16];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[Length / 16];
        Span<float> scales = stackalloc float[Length / 16];
        const float q4scale = 15.0f;

        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < Length / 16; ++j)
        {
            var xs = x.Slice(16 * j, 16);
            for (int l = 0; l < 16; ++l) weights[l] = MathF.Abs(xs[l]);
            scales[j] = QuantMath.MakeQkx2Quants(16, 3, xs, weights, levels.Slice(16 * j, 16), out mins[j], scratch, -0.5f, 0.1f, 15, true);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        if (maxScale > 0)
        {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < Length / 16; ++j) block.Scales[j] = (byte)QuantMath.NearestInt(iscale * scales[j]);
            block.D = Fp16.FromFloat(maxScale / q4scale);
        }
        else
        {
            block.D = Fp16.FromFloat(0.0f);
        }
        if (maxMin > 0)
        {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < Length / 16; ++j) block.Scales[j] |= (byte)(QuantMath.NearestInt(iscale * mins[j]) << 4);
            block.Dmin = Fp16.FromFloat(maxMin / q4scale);
        }
        else
        {
            block.Dmin = Fp16.FromFloat(0.0f);
        }

        for (int j = 0; j < Length / 16; ++j)
        {
            float d = (float)block.D * (block.Scales[j] & 0xF);
            if (d == 0) continue;
            float dm = (float)block.Dmin * (block.Scales[j] >> 4);
            for (int ii = 0; ii < 16; ++ii)
            {
                int l = QuantMath.NearestInt((x[16 * j + ii] + dm) / d);
                levels[16 * j + ii] = (byte)Math.Max(0, Math.Min(3, l));
            }
        }

        for (int j = 0; j < Length; j += 128)
        {
            for (int l = 0; l < 32; ++l)
            {
                block.Qs[j / 4 + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
            }
        }
    }

    /// <remarks>
    /// ggml_vec_dot_q2_K_q8_K_generic: per super-block an integer sum of (scales[s] &amp; 15) * q * y.q and an integer sum
    /// of bsums * (scales[s] &gt;&gt; 4); sumf += d_y * d_x * isum - d_y * dmin_x * summs.
    /// </remarks>
    public static float DotReference(ReadOnlySpan<BlockQ2_K> weights, ReadOnlySpan<BlockQ8_K> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        float sumf = 0;
        for (int i = 0; i < weights.Length; ++i)
        {
            var x = weights[i];
            var y = activations[i];
            int summs = 0;
            for (int j = 0; j < 16; ++j) summs += y.Bsums[j] * (x.Scales[j] >> 4);
            float dall = y.D * (float)x.D;
            float dmin = y.D * (float)x.Dmin;

            int isum = 0, s = 0, q2 = 0, q8 = 0;
            for (int k = 0; k < Length / 128; ++k)
            {
                int shift = 0;
                for (int j = 0; j < 4; ++j)
                {
                    int d = x.Scales[s++] & 0xF;
                    int isuml = 0;
                    for (int l = 0; l < 16; ++l) isuml += y.Qs[q8 + l] * ((x.Qs[q2 + l] >> shift) & 3);
                    isum += d * isuml;
                    d = x.Scales[s++] & 0xF;
                    isuml = 0;
                    for (int l = 16; l < 32; ++l) isuml += y.Qs[q8 + l] * ((x.Qs[q2 + l] >> shift) & 3);
                    isum += d * isuml;
                    shift += 2;
                    q8 += 32;
                }
                q2 += 32;
            }
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }
}
