using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q8_1: 32 signed 8-bit levels, an FP16 scale and the FP16 of d * sum(q) (36 bytes). The activation format for Q4_1 and Q5_1 weights.</summary>
/// <remarks>x[j] = q[j] * d. The precomputed <see cref="S"/> lets the dot product apply the weights' minimum once per block.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_1 : IQuantBlock<BlockQ8_1>
{
    public const int Length = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>d * sum(q).</summary>
    public Half S;

    /// <summary>Levels.</summary>
    public fixed sbyte Qs[Length];

    public static GgmlType Type => GgmlType.Q8_1;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ8_1 block, Span<float> destination)
    {
        var b = block;
        float d = (float)b.D;
        for (int j = 0; j < Length; ++j) destination[j] = b.Qs[j] * d;
    }

    /// <remarks>quantize_row_q8_1_ref: d = amax / 127, q = roundf(x / d), s = d * sum(q).</remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ8_1 block)
    {
        block = default;
        float amax = 0.0f;
        for (int j = 0; j < Length; j++)
        {
            float a = MathF.Abs(source[j]);
            amax = amax > a ? amax : a;
        }
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        block.D = Fp16.FromFloat(d);
        int sum = 0;
        for (int j = 0; j < Length / 2; ++j)
        {
            float v0 = source[j] * id;
            float v1 = source[Length / 2 + j] * id;
            block.Qs[j] = (sbyte)QuantMath.RoundAwayFromZero(v0);
            block.Qs[Length / 2 + j] = (sbyte)QuantMath.RoundAwayFromZero(v1);
            sum += block.Qs[j];
            sum += block.Qs[Length / 2 + j];
        }
        block.S = Fp16.FromFloat(sum * d);
    }
}
