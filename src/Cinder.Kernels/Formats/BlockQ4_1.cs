using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q4_1: 32 weights as 4-bit levels with an FP16 scale and an FP16 minimum (20 bytes, 5 bits per weight).</summary>
/// <remarks>x[j] = q[j] * d + m. Byte j holds element j (low nibble) and element j + 16 (high nibble).</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_1 : IWeightBlock<BlockQ4_1, BlockQ8_1>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Minimum (the value of level 0).</summary>
    public Half M;

    /// <summary>Nibbles: low = elements 0..15, high = elements 16..31.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q4_1;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ4_1 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        float m = (float)b.M;
        for (int j = 0; j < Length / 2; ++j)
        {
            int x0 = b.Qs[j] & 0x0F;
            int x1 = b.Qs[j] >> 4;
            destination[j] = x0 * d + m;
            destination[j + Length / 2] = x1 * d + m;
        }
    }

    /// <remarks>quantize_row_q4_1_ref: d = (max - min) / 15, m = min, q = min(15, (int)((x - min) / d + 0.5)).</remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ4_1 block)
    {
        block = default;
        float min = float.MaxValue;
        float max = -float.MaxValue;
        for (int j = 0; j < Length; j++)
        {
            float v = source[j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << 4) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        block.M = Fp16.FromFloat(min);
        for (int j = 0; j < Length / 2; ++j)
        {
            float x0 = (source[j] - min) * id;
            float x1 = (source[Length / 2 + j] - min) * id;
            byte xi0 = (byte)Math.Min(15, (int)(sbyte)(x0 + 0.5f));
            byte xi1 = (byte)Math.Min(15, (int)(sbyte)(x1 + 0.5f));
            block.Qs[j] = (byte)(xi0 | (xi1 << 4));
        }
    }

    /// <remarks>ggml_vec_dot_q4_1_q8_1_generic: sumf += (d_x * d_y) * sumi + m_x * s_y, where s_y = d_y * sum(y.q).</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ4_1> weights, ReadOnlySpan<BlockQ8_1> activations)
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
                int v0 = x.Qs[j] & 0x0F;
                int v1 = x.Qs[j] >> 4;
                sumi0 += v0 * y.Qs[j];
                sumi1 += v1 * y.Qs[j + Length / 2];
            }
            int sumi = sumi0 + sumi1;
            sumf += ((float)x.D * (float)y.D) * sumi + (float)x.M * (float)y.S;
        }
        return sumf;
    }
}
