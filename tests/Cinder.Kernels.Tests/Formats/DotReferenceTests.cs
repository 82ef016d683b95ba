using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Tests.Formats;

/// <summary>
/// Each scalar dot reference equals the dot product of the dequantized rows, up to float accumulation. ggml's
/// kernels sum integers exactly within a block and accumulate in float across blocks, so the difference is bounded
/// by a few float roundings of the sum of |w| |a|.
/// </summary>
public class DotReferenceTests
{
    private const double Tolerance = 1e-5;

    private static (byte[] Bytes, float[] Decoded) Encode(GgmlType type, float[] x)
    {
        var bytes = new byte[TensorFormat.RowByteCount(type, x.Length)];
        TensorFormat.QuantizeRow(type, x, bytes);
        var decoded = new float[x.Length];
        TensorFormat.DequantizeRow(type, bytes, decoded);
        return (bytes, decoded);
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q2_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void DotReferenceEqualsDequantizedDot(GgmlType weightType)
    {
        var activationType = TensorFormat.ActivationType(weightType);
        foreach (int blocksOf256 in new[] { 1, 3, 8 })
        {
            int n = 256 * blocksOf256;
            var rng = new Random(n + (int)weightType);
            var w = TestData.MixedRow(n, blocksOf256);
            var a = TestData.Gaussian(rng, n);
            var (wBytes, wDecoded) = Encode(weightType, w);
            var (aBytes, aDecoded) = Encode(activationType, a);

            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                expected += (double)wDecoded[i] * aDecoded[i];
                magnitude += Math.Abs((double)wDecoded[i] * aDecoded[i]);
            }
            float actual = TensorFormat.DotRowReference(weightType, wBytes, aBytes, n);
            double allowance = Tolerance * magnitude + MinimumTermRounding(weightType, wBytes, aBytes);
            Assert.True(Math.Abs(actual - expected) <= allowance,
                $"{weightType} x {activationType}, n = {n}: reference {actual}, dequantized dot {expected}, |w||a| = {magnitude}");
        }
    }

    /// <summary>
    /// Q4_1 and Q5_1 apply their minimum m through Q8_1's s = d * sum(q), which is stored as FP16: ggml's dot is off
    /// from the exact one by up to |m| * |s| * 2^-11 per block, by design.
    /// </summary>
    private static double MinimumTermRounding(GgmlType weightType, byte[] weights, byte[] activations)
    {
        if (weightType is not (GgmlType.Q4_1 or GgmlType.Q5_1)) return 0;
        var s = QuantRows.AsBlocks<BlockQ8_1>(activations);
        double total = 0;
        for (int b = 0; b < s.Length; b++)
        {
            float m = weightType == GgmlType.Q4_1 ? (float)QuantRows.AsBlocks<BlockQ4_1>(weights)[b].M : (float)QuantRows.AsBlocks<BlockQ5_1>(weights)[b].M;
            total += Math.Abs(m) * Math.Abs((float)s[b].S) * Math.Pow(2, -11);
        }
        return total;
    }

    [Fact]
    public void GenericDotMatchesTensorFormatDispatch()
    {
        var w = TestData.Gaussian(new Random(1), 512);
        var a = TestData.Gaussian(new Random(2), 512);
        var wBlocks = QuantRows.Quantize<BlockQ6_K>(w);
        var aBlocks = QuantRows.Quantize<BlockQ8_K>(a);
        float viaGeneric = QuantRows.DotReference<BlockQ6_K, BlockQ8_K>(wBlocks, aBlocks);
        float viaFacade = TensorFormat.DotRowReference(GgmlType.Q6_K,
            MemoryMarshal.AsBytes(wBlocks.AsSpan()), MemoryMarshal.AsBytes(aBlocks.AsSpan()), 512);
        Assert.Equal(BitConverter.SingleToInt32Bits(viaGeneric), BitConverter.SingleToInt32Bits(viaFacade));
    }

    [Fact]
    public void F32DotAccumulatesProductsInDouble()
    {
        // 1e8 + 1 - 1e8 loses the 1 in float accumulation but not in ggml's double accumulator.
        float[] x = [1e8f, 1f, -1e8f];
        float[] y = [1f, 1f, 1f];
        Assert.Equal(1f, FloatDot.F32Reference(x, y));
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        var w = QuantRows.Quantize<BlockQ4_0>(new float[64]);
        var a = QuantRows.Quantize<BlockQ8_0>(new float[32]);
        Assert.Throws<ArgumentException>(() => BlockQ4_0.DotReference(w, a));
        Assert.Throws<ArgumentException>(() => FloatDot.F32Reference(new float[3], new float[4]));
    }
}
