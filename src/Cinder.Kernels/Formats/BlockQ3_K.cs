using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// ggml's block_q3_K: a 256-weight super-block of sixteen 16-weight sub-blocks with signed 6-bit scales and one FP16
/// super-scale (110 bytes, 3.4375 bits per weight).
/// </summary>
/// <remarks>
/// x = d * (sc[s] - 32) * (q - 4) with q in [0, 7]: the low 2 bits in <see cref="Qs"/> (laid out as in Q2_K), the
/// third bit in <see cref="Hmask"/> (bit k of Hmask[l] belongs to weight 32k + l). The sixteen 6-bit scales are
/// packed in 12 bytes: low nibbles in bytes 0..7, high bit pairs in bytes 8..11.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ3_K : IWeightBlock<BlockQ3_K, BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Third bits.</summary>
    public fixed byte Hmask[Length / 8];

    /// <summary>Low 2 bits.</summary>
    public fixed byte Qs[Length / 4];

    /// <summary>Sixteen 6-bit scales, packed.</summary>
    public fixed byte Scales[12];

    /// <summary>Super-block scale.</summary>
    public Half D;

    public static GgmlType Type => GgmlType.Q3_K;
    public static int BlockLength => Length;

    /// <summary>Sub-block scale <paramref name="j"/> as stored (0..63, to be offset by -32).</summary>
    private static int Scale(byte* scales, int j)
    {
        int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
        int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
        return low | (high << 4);
    }

    public static void Dequantize(in BlockQ3_K block, Span<float> destination)
    {
        var b = block;
        float dAll = (float)b.D;
        int y = 0, q = 0, s = 0;
        int m = 1;
        for (int n = 0; n < Length; n += 128)
        {
            int shift = 0;
            for (int j = 0; j < 4; ++j)
            {
                float dl = dAll * (Scale(b.Scales, s++) - 32);
                for (int l = 0; l < 16; ++l) destination[y++] = dl * ((sbyte)((b.Qs[q + l] >> shift) & 3) - ((b.Hmask[l] & m) != 0 ? 0 : 4));
                dl = dAll * (Scale(b.Scales, s++) - 32);
                for (int l = 0; l < 16; ++l) destination[y++] = dl * ((sbyte)((b.Qs[q + l + 16] >> shift) & 3) - ((b.Hmask[l + 16] & m) != 0 ? 0 : 4));
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /// <remarks>
    /// quantize_row_q3_K_ref: sub-block scales from make_q3_quants (nmax 4, x^2-weighted refinement); the scales are
    /// stored as 6-bit values against the one of largest magnitude (which maps to -32); then every weight is
    /// re-quantized: q = clamp(nearest_int(x / (d * (sc - 32))), -4, 3) + 4.
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> x, out BlockQ3_K block)
    {
        block = default;
        Span<sbyte> levels = stackalloc sbyte[Length];
        Span<float> scales = stackalloc float[Length / 16];

        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < Length / 16; ++j)
        {
            scales[j] = QuantMath.MakeQ3Quants(16, 4, x.Slice(16 * j, 16), levels.Slice(16 * j, 16), true);
            float scale = MathF.Abs(scales[j]);
            if (scale > amax)
            {
                amax = scale;
                maxScale = scales[j];
            }
        }

        if (maxScale != 0)
        {
            float iscale = -32.0f / maxScale;
            for (int j = 0; j < Length / 16; ++j)
            {
                sbyte l = (sbyte)QuantMath.NearestInt(iscale * scales[j]);
                l = (sbyte)(Math.Max(-32, Math.Min(31, (int)l)) + 32);
                if (j < 8) block.Scales[j] = (byte)(l & 0xF);
                else block.Scales[j - 8] |= (byte)((l & 0xF) << 4);
                l >>= 4;
                block.Scales[j % 4 + 8] |= (byte)(l << (2 * (j / 4)));
            }
            block.D = Fp16.FromFloat(1 / iscale);
        }
        else
        {
            block.D = Fp16.FromFloat(0.0f);
        }

        fixed (byte* packed = block.Scales)
        {
            for (int j = 0; j < Length / 16; ++j)
            {
                int sc = Scale(packed, j) - 32;
                float d = (float)block.D * sc;
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ++ii)
                {
                    int l = QuantMath.NearestInt(x[16 * j + ii] / d);
                    l = Math.Max(-4, Math.Min(3, l));
                    levels[16 * j + ii] = (sbyte)(l + 4);
                }
            }
        }

        // The third bit of the first 32 weights goes to bit 0 of Hmask[0..31], of the next 32 to bit 1, and so on.
        int m = 0;
        byte hm = 1;
        for (int j = 0; j < Length; ++j)
        {
            if (levels[j] > 3)
            {
                block.Hmask[m] |= hm;
                levels[j] -= 4;
            }
            if (++m == Length / 8)
            {
                m = 0;
                hm <<= 1;
            }
        }
        for (int j = 0; j < Length; j += 128)
        {
            for (int l = 0; l < 32; ++l)
            {
                // Levels are 0..3 here, so reading them as bytes loses nothing.
                block.Qs[j / 4 + l] = (byte)((byte)levels[j + l] | ((byte)levels[j + l + 32] << 2) | ((byte)levels[j + l + 64] << 4) | ((byte)levels[j + l + 96] << 6));
            }
        }
    }

    /// <remarks>
    /// ggml_vec_dot_q3_K_q8_K_generic: eight int32 lanes accumulate (sc[s] - 32) * (q - 4) * y.q per super-block,
    /// scaled by d_x * d_y into eight float sums that are added at the end.
    /// </remarks>
    public static float DotReference(ReadOnlySpan<BlockQ3_K> weights, ReadOnlySpan<BlockQ8_K> activations)
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
            aux32.Clear();
            int a = 0, q3 = 0;
            int m = 1;
            for (int j = 0; j < Length; j += 128)
            {
                for (int shift = 0; shift < 8; shift += 2)
                {
                    for (int l = 0; l < 32; ++l) aux8[a + l] = (sbyte)((x.Qs[q3 + l] >> shift) & 3);
                    for (int l = 0; l < 32; ++l) aux8[a + l] -= (sbyte)((x.Hmask[l] & m) != 0 ? 0 : 4);
                    a += 32;
                    m <<= 1;
                }
                q3 += 32;
            }
            a = 0;
            int q8 = 0;
            for (int j = 0; j < Length / 16; ++j)
            {
                int scale = Scale(x.Scales, j) - 32;
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
