using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q4_0: 32 weights as 4-bit levels q in [0, 15] around 8 with one FP16 scale (18 bytes, 4.5 bits per weight).</summary>
/// <remarks>x[j] = (q[j] - 8) * d. Byte j holds element j in its low nibble and element j + 16 in its high nibble.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_0 : IWeightBlock<BlockQ4_0, BlockQ8_0>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Nibbles: low = elements 0..15, high = elements 16..31.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q4_0;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ4_0 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        for (int j = 0; j < Length / 2; ++j)
        {
            int x0 = (b.Qs[j] & 0x0F) - 8;
            int x1 = (b.Qs[j] >> 4) - 8;
            destination[j] = x0 * d;
            destination[j + Length / 2] = x1 * d;
        }
    }

    /// <remarks>
    /// quantize_row_q4_0_ref: d = max / -8 where max is the element of largest magnitude (sign kept), so that
    /// element maps exactly to level 0; q = min(15, (int)(x / d + 8.5)).
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ4_0 block)
    {
        block = default;
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < Length; j++)
        {
            float v = source[j];
            if (amax < MathF.Abs(v))
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        for (int j = 0; j < Length / 2; ++j)
        {
            float x0 = source[j] * id;
            float x1 = source[Length / 2 + j] * id;
            byte xi0 = (byte)Math.Min(15, (int)(sbyte)(x0 + 8.5f));
            byte xi1 = (byte)Math.Min(15, (int)(sbyte)(x1 + 8.5f));
            block.Qs[j] = (byte)(xi0 | (xi1 << 4));
        }
    }

    /// <remarks>ggml_vec_dot_q4_0_q8_0_generic: per block sumi = sum (q - 8) * y.q; sumf += sumi * d_x * d_y.</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ4_0> weights, ReadOnlySpan<BlockQ8_0> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        float sumf = 0;
        for (int ib = 0; ib < weights.Length; ++ib)
        {
            var x = weights[ib];
            var y = activations[ib];
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < Length / 2; ++j)
            {
                int v0 = (x.Qs[j] & 0x0F) - 8;
                int v1 = (x.Qs[j] >> 4) - 8;
                sumi0 += v0 * y.Qs[j];
                sumi1 += v1 * y.Qs[j + Length / 2];
            }
            int sumi = sumi0 + sumi1;
            sumf += sumi * (float)x.D * (float)y.D;
        }
        return sumf;
    }
}
