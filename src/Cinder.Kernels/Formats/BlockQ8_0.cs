using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q8_0: 32 signed 8-bit levels with one FP16 scale (34 bytes, 8.5 bits per weight). Also the activation format for Q4_0, Q5_0 and Q8_0 weights.</summary>
/// <remarks>x[j] = q[j] * d.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_0 : IWeightBlock<BlockQ8_0, BlockQ8_0>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Levels.</summary>
    public fixed sbyte Qs[Length];

    public static GgmlType Type => GgmlType.Q8_0;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ8_0 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        for (int j = 0; j < Length; ++j) destination[j] = b.Qs[j] * d;
    }

    /// <remarks>quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d) (halfway cases away from zero).</remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ8_0 block)
    {
        block = default;
        float amax = 0.0f;
        for (int j = 0; j < Length; j++)
        {
            float a = MathF.Abs(source[j]);
            amax = amax > a ? amax : a; // C's MAX(amax, fabsf(v))
        }
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        for (int j = 0; j < Length; ++j) block.Qs[j] = (sbyte)QuantMath.RoundAwayFromZero(source[j] * id);
    }

    /// <remarks>ggml_vec_dot_q8_0_q8_0_generic: sumf += sumi * (d_x * d_y).</remarks>
    public static float DotReference(ReadOnlySpan<BlockQ8_0> weights, ReadOnlySpan<BlockQ8_0> activations)
    {
        if (activations.Length != weights.Length) ThrowHelper.BlockCountMismatch(nameof(activations), weights.Length, activations.Length);
        float sumf = 0;
        for (int ib = 0; ib < weights.Length; ++ib)
        {
            var x = weights[ib];
            var y = activations[ib];
            int sumi = 0;
            for (int j = 0; j < Length; j++) sumi += x.Qs[j] * y.Qs[j];
            sumf += sumi * ((float)x.D * (float)y.D);
        }
        return sumf;
    }
}
