using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// ggml's block_q6_K: a 256-weight super-block of sixteen 16-weight sub-blocks with signed 8-bit scales and one FP16
/// super-scale (210 bytes, 6.5625 bits per weight).
/// </summary>
/// <remarks>
/// x = d * sc[s] * (q - 32) with q in [0, 63]: the low 4 bits in <see cref="Ql"/>, the high 2 bits in <see cref="Qh"/>.
/// Each 128 weights use 64 bytes of Ql (weights l and l+64 in byte l, l+32 and l+96 in byte l+32) and 32 bytes of Qh
/// (two bits each for weights l, l+32, l+64, l+96).
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ6_K : IWeightBlock<BlockQ6_K, BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Low 4 bits.</summary>
    public fixed byte Ql[Length / 2];

    /// <summary>High 2 bits.</summary>
    public fixed byte Qh[Length / 4];

    /// <summary>Sub-block scales.</summary>
    public fixed sbyte Scales[Length / 16];

    /// <summary>Super-block scale.</summary>
    public Half D;

    public static GgmlType Type => GgmlType.Q6_K;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ6_K block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        int y = 0, ql = 0, qh = 0, sc = 0;
        for (int n = 0; n < Length; n += 128)
        {
            for (int l = 0; l < 32; ++l)
            {
                int s = l / 16;
                sbyte q1 = (sbyte)(((b.Ql[ql + l + 0] & 0xF) | (((b.Qh[qh + l] >> 0) & 3) << 4)) - 32);
                sbyte q2 = (sbyte)(((b.Ql[ql + l + 32] & 0xF) | (((b.Qh[qh + l] >> 2) & 3) << 4)) - 32);
                sbyte q3 = (sbyte)(((b.Ql[ql + l + 0] >> 4) | (((b.Qh[qh + l] >> 4) & 3) << 4)) - 32);
                sbyte q4 = (sbyte)(((b.Ql[ql + l + 32] >> 4) | (((b.Qh[qh + l] >> 6) & 3) << 4)) - 32);
                destination[y + l + 0] = d * b.Scales[sc + s + 0] * q1;
                destination[y + l + 32] = d * b.Scales[sc + s + 2] * q2;
                destination[y + l + 64] = d * b.Scales[sc + s + 4] * q3;
                destination[y + l + 96] = d * b.Scales[sc + s + 6] * q4;
            }
            y += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }

    /// <remarks>
    /// quantize_row_q6_K_ref: each sub-block gets a scale from make_qx_quants(nmax 32, x^2 weights, 18 trial scales);
    /// the scales are stored as int8 against the one of largest magnitude (which maps to -128); then every weight is
    /// re-quantized with the stored scale: q = clamp(nearest_int(x / (d * sc)), -32, 31) + 32.
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> x, out BlockQ6_K block)
    {
        block = default;
        Span<sbyte> levels = stackalloc sbyte[Length];
        Span<float> scales = stackalloc float[Length / 16];

        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < Length / 16; ++ib)
        {
            float scale = QuantMath.MakeQxQuants(16, 32, x.Slice(16 * ib, 16), levels.Slice(16 * ib, 16), 1);
            scales[ib] = scale;
            float absScale = MathF.Abs(scale);
            if (absScale > maxAbsScale)
            {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        if (maxAbsScale < QuantMath.GroupMaxEps) return; // an all-zero block

        float iscale = -128.0f / maxScale;
        block.D = Fp16.FromFloat(1 / iscale);
        for (int ib = 0; ib < Length / 16; ++ib) block.Scales[ib] = (sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[ib]));

        for (int j = 0; j < Length / 16; ++j)
        {
            float d = (float)block.D * block.Scales[j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ++ii)
            {
                int l = QuantMath.NearestInt(x[16 * j + ii] / d);
                l = Math.Max(-32, Math.Min(31, l));
                levels[16 * j + ii] = (sbyte)(l + 32);
            }
        }

        int ql = 0, qh = 0;
        for (int j = 0; j < Length; j += 128)
        {
            for (int l = 0; l < 32; ++l)
            {
                byte q1 = (byte)(levels[j + l + 0] & 0xF);
                byte q2 = (byte)(levels[j + l + 32] & 0xF);
                byte q3 = (byte)(levels[j + l + 64] & 0xF);
                byte q4 = (byte)(levels[j + l + 96] & 0xF);
                block.Ql[ql + l + 0] = (byte)(q1 | (q3 << 4));
                block.Ql[ql + l + 32] = (byte)(q2 | (q4 << 4));
                block.Qh[qh + l] = (byte)((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2) | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }

    /// <remarks>
    /// ggml_vec_dot_q6_K_q8_K_generic: eight int32 lanes accumulate sc[s] * (q - 32) * y.q per super-block, scaled
    /// by d_x * d_y into eight float sums that are added at the end.
    /// </remarks>
    public static float DotReference(ReadOnlySpan<BlockQ6_K> weights, ReadOnlySpan<BlockQ8_K> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        Span<sbyte> aux8 = stackalloc sbyte[Length];
        Span<short> aux16 = stackalloc short[8];
        Span<float> sums = stackalloc float[8];
        Span<int> aux32 = stackalloc int[8];
        sums.Clear();
        float sumf = 0;
        for (int i = 0; i < weights.Length; ++i)
        {
            var x = weights[i];
            var y = activations[i];
            int a = 0, q4 = 0, qh = 0;
            for (int j = 0; j < Length; j += 128)
            {
                for (int l = 0; l < 32; ++l)
                {
                    aux8[a + l + 0] = (sbyte)(((x.Ql[q4 + l + 0] & 0xF) | (((x.Qh[qh + l] >> 0) & 3) << 4)) - 32);
                    aux8[a + l + 32] = (sbyte)(((x.Ql[q4 + l + 32] & 0xF) | (((x.Qh[qh + l] >> 2) & 3) << 4)) - 32);
                    aux8[a + l + 64] = (sbyte)(((x.Ql[q4 + l + 0] >> 4) | (((x.Qh[qh + l] >> 4) & 3) << 4)) - 32);
                    aux8[a + l + 96] = (sbyte)(((x.Ql[q4 + l + 32] >> 4) | (((x.Qh[qh + l] >> 6) & 3) << 4)) - 32);
                }
                a += 128;
                q4 += 64;
                qh += 32;
            }
            aux32.Clear();
            a = 0;
            int q8 = 0;
            for (int j = 0; j < Length / 16; ++j)
            {
                int scale = x.Scales[j];
                for (int k = 0; k < 2; ++k)
                {
                    for (int l = 0; l < 8; ++l) aux16[l] = (short)(y.Qs[q8 + l] * aux8[a + l]);
                    for (int l = 0; l < 8; ++l) aux32[l] += scale * aux16[l];
                    q8 += 8;
                    a += 8;
                }
            }
            float d = (float)x.D * y.D;
            for (int l = 0; l < 8; ++l) sums[l] += d * aux32[l];
        }
        for (int l = 0; l < 8; ++l) sumf += sums[l];
        return sumf;
    }
}
