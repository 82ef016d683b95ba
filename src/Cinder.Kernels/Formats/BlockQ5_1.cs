using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q5_1: 32 weights as 5-bit levels with an FP16 scale and an FP16 minimum (24 bytes, 6 bits per weight).</summary>
/// <remarks>x[j] = q[j] * d + m, with the bits packed as in <see cref="BlockQ5_0"/>.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_1 : IWeightBlock<BlockQ5_1, BlockQ8_1>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Minimum (the value of level 0).</summary>
    public Half M;

    /// <summary>Fifth bits, a little-endian uint32.</summary>
    public fixed byte Qh[4];

    /// <summary>Low nibbles: low = elements 0..15, high = elements 16..31.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q5_1;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ5_1 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        float m = (float)b.M;
        uint qh = BlockQ5_0.ReadHighBits(b.Qh);
        for (int j = 0; j < Length / 2; ++j)
        {
            byte xh0 = (byte)(((qh >> (j + 0)) << 4) & 0x10);
            byte xh1 = (byte)((qh >> (j + 12)) & 0x10);
            int x0 = (b.Qs[j] & 0x0F) | xh0;
            int x1 = (b.Qs[j] >> 4) | xh1;
            destination[j] = x0 * d + m;
            destination[j + Length / 2] = x1 * d + m;
        }
    }

    /// <remarks>quantize_row_q5_1_ref: d = (max - min) / 31, m = min, q = (int)((x - min) / d + 0.5).</remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ5_1 block)
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
        float d = (max - min) / ((1 << 5) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        block.M = Fp16.FromFloat(min);
        uint qh = 0;
        for (int j = 0; j < Length / 2; ++j)
        {
            float x0 = (source[j] - min) * id;
            float x1 = (source[Length / 2 + j] - min) * id;
            byte xi0 = (byte)(x0 + 0.5f);
            byte xi1 = (byte)(x1 + 0.5f);
            block.Qs[j] = (byte)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << (j + 0);
            qh |= ((xi1 & 0x10u) >> 4) << (j + Length / 2);
        }
        fixed (byte* p = block.Qh) BlockQ5_0.WriteHighBits(p, qh);
    }

    /// <remarks>ggml_vec_dot_q5_1_q8_1_generic: sumf += (d_x * d_y) * sumi + m_x * s_y.</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ5_1> weights, ReadOnlySpan<BlockQ8_1> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        float sumf = 0;
        for (int ib = 0; ib < weights.Length; ++ib)
        {
            var x = weights[ib];
            var y = activations[ib];
            uint qh = BlockQ5_0.ReadHighBits(x.Qh);
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < Length / 2; ++j)
            {
                byte xh0 = (byte)(((qh >> (j + 0)) << 4) & 0x10);
                byte xh1 = (byte)((qh >> (j + 12)) & 0x10);
                int x0 = (x.Qs[j] & 0xF) | xh0;
                int x1 = (x.Qs[j] >> 4) | xh1;
                sumi0 += x0 * y.Qs[j];
                sumi1 += x1 * y.Qs[j + Length / 2];
            }
            int sumi = sumi0 + sumi1;
            sumf += ((float)x.D * (float)y.D) * sumi + (float)x.M * (float)y.S;
        }
        return sumf;
    }
}
