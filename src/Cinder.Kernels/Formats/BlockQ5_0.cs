using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q5_0: 32 weights as 5-bit levels q in [0, 31] around 16 with one FP16 scale (22 bytes, 5.5 bits per weight).</summary>
/// <remarks>
/// x[j] = (q[j] - 16) * d. The low four bits are packed as in Q4_0; bit j of the little-endian uint32
/// <see cref="Qh"/> is the fifth bit of element j.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_0 : IWeightBlock<BlockQ5_0, BlockQ8_0>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Fifth bits, a little-endian uint32.</summary>
    public fixed byte Qh[4];

    /// <summary>Low nibbles: low = elements 0..15, high = elements 16..31.</summary>
    public fixed byte Qs[Length / 2];

    public static GgmlType Type => GgmlType.Q5_0;
    public static int BlockLength => Length;

    internal static uint ReadHighBits(byte* qh) => (uint)(qh[0] | (qh[1] << 8) | (qh[2] << 16) | (qh[3] << 24));

    internal static void WriteHighBits(byte* qh, uint bits)
    {
        qh[0] = (byte)bits;
        qh[1] = (byte)(bits >> 8);
        qh[2] = (byte)(bits >> 16);
        qh[3] = (byte)(bits >> 24);
    }

    public static void Dequantize(in BlockQ5_0 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        uint qh = ReadHighBits(b.Qh);
        for (int j = 0; j < Length / 2; ++j)
        {
            byte xh0 = (byte)(((qh >> (j + 0)) << 4) & 0x10);
            byte xh1 = (byte)((qh >> (j + 12)) & 0x10);
            int x0 = ((b.Qs[j] & 0x0F) | xh0) - 16;
            int x1 = ((b.Qs[j] >> 4) | xh1) - 16;
            destination[j] = x0 * d;
            destination[j + Length / 2] = x1 * d;
        }
    }

    /// <remarks>quantize_row_q5_0_ref: d = max / -16 (max = the element of largest magnitude), q = min(31, (int)(x / d + 16.5)).</remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ5_0 block)
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
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        uint qh = 0;
        for (int j = 0; j < Length / 2; ++j)
        {
            float x0 = source[j] * id;
            float x1 = source[Length / 2 + j] * id;
            byte xi0 = (byte)Math.Min(31, (int)(sbyte)(x0 + 16.5f));
            byte xi1 = (byte)Math.Min(31, (int)(sbyte)(x1 + 16.5f));
            block.Qs[j] = (byte)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10u) >> 4) << (j + 0);
            qh |= ((xi1 & 0x10u) >> 4) << (j + Length / 2);
        }
        fixed (byte* p = block.Qh) WriteHighBits(p, qh);
    }

    /// <remarks>ggml_vec_dot_q5_0_q8_0_generic: sumf += (d_x * d_y) * sumi.</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ5_0> weights, ReadOnlySpan<BlockQ8_0> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        float sumf = 0;
        for (int ib = 0; ib < weights.Length; ++ib)
        {
            var x = weights[ib];
            var y = activations[ib];
            uint qh = ReadHighBits(x.Qh);
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < Length / 2; ++j)
            {
                byte xh0 = (byte)(((qh & (1u << (j + 0))) >> (j + 0)) << 4);
                byte xh1 = (byte)((qh & (1u << (j + 16))) >> (j + 12));
                int x0 = (sbyte)(((x.Qs[j] & 0x0F) | xh0) - 16);
                int x1 = (sbyte)(((x.Qs[j] >> 4) | xh1) - 16);
                sumi0 += x0 * y.Qs[j];
                sumi1 += x1 * y.Qs[j + Length / 2];
            }
            int sumi = sumi0 + sumi1;
            sumf += ((float)x.D * (float)y.D) * sumi;
        }
        return sumf;
    }
}
