using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>ggml's block_q8_K: 256 signed 8-bit levels, an FP32 scale and the sums of each 16 levels (292 bytes). The activation format for every K-quant weight.</summary>
/// <remarks>x[j] = q[j] * d; bsums[k] = sum of q[16k .. 16k+15], used by the dot products to apply the weights' minimums.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_K : IQuantBlock<BlockQ8_K>
{
    public const int Length = QuantMath.QK_K;

    /// <summary>Scale (FP32, unlike the other formats).</summary>
    public float D;

    /// <summary>Levels.</summary>
    public fixed sbyte Qs[Length];

    /// <summary>Sums of each group of 16 levels.</summary>
    public fixed short Bsums[Length / 16];

    public static GgmlType Type => GgmlType.Q8_K;
    public static int BlockLength => Length;

    public static void Dequantize(in BlockQ8_K block, Span<float> destination)
    {
        var b = block;
        for (int j = 0; j < Length; ++j) destination[j] = b.D * b.Qs[j];
    }

    /// <remarks>
    /// quantize_row_q8_K_ref: the element of largest magnitude maps to -127 (iscale = -127 / max, ggml's choice
    /// for the IQ formats' sake), q = min(127, nearest_int(iscale * x)), d = 1 / iscale.
    /// </remarks>
    public static void Quantize(ReadOnlySpan<float> source, out BlockQ8_K block)
    {
        block = default;
        float max = 0;
        float amax = 0;
        for (int j = 0; j < Length; ++j)
        {
            float ax = MathF.Abs(source[j]);
            if (ax > amax)
            {
                amax = ax;
                max = source[j];
            }
        }
        if (amax == 0) return; // d = 0 and all levels 0
        float iscale = -127.0f / max;
        for (int j = 0; j < Length; ++j)
        {
            int v = QuantMath.NearestInt(iscale * source[j]);
            block.Qs[j] = (sbyte)Math.Min(127, v);
        }
        for (int j = 0; j < Length / 16; ++j)
        {
            int sum = 0;
            for (int ii = 0; ii < 16; ++ii) sum += block.Qs[j * 16 + ii];
            block.Bsums[j] = (short)sum;
        }
        block.D = 1 / iscale;
    }
}
