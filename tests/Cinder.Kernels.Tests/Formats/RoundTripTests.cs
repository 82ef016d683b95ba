using Cinder.Core;
using Cinder.Kernels.Formats;
using Xunit.Abstractions;

namespace Cinder.Kernels.Tests.Formats;

/// <summary>Quantize then dequantize N(0,1) data: the error stays within each format's expected bound.</summary>
public class RoundTripTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bounds on the RMS error relative to the RMS of the data. A uniform quantizer with step s has RMS error
    /// s / sqrt(12); for N(0,1) blocks of 32 the step is about 2 * 2.2 / levels, which gives Q8_0 ~0.01, Q4_0 ~0.08
    /// and so on. The bounds sit about 1.5x above the measured values (printed by the test).
    /// </summary>
    [Theory]
    [InlineData(GgmlType.F16, 0.0005)]
    [InlineData(GgmlType.BF16, 0.004)]
    [InlineData(GgmlType.Q8_0, 0.012)]
    [InlineData(GgmlType.Q8_1, 0.012)]
    [InlineData(GgmlType.Q8_K, 0.012)]
    [InlineData(GgmlType.Q6_K, 0.03)]
    [InlineData(GgmlType.Q5_0, 0.06)]
    [InlineData(GgmlType.Q5_1, 0.06)]
    [InlineData(GgmlType.Q5_K, 0.05)]
    [InlineData(GgmlType.Q4_0, 0.15)]
    [InlineData(GgmlType.Q4_1, 0.12)]
    [InlineData(GgmlType.Q4_K, 0.11)]
    [InlineData(GgmlType.Q3_K, 0.25)]
    [InlineData(GgmlType.Q2_K, 0.45)]
    public void RelativeRmsErrorIsBounded(GgmlType type, double bound)
    {
        const int n = 256 * 64;
        var x = TestData.Gaussian(new Random(3), n);
        var q = new byte[TensorFormat.RowByteCount(type, n)];
        TensorFormat.QuantizeRow(type, x, q);
        var y = new float[n];
        TensorFormat.DequantizeRow(type, q, y);
        double err = 0, sig = 0;
        for (int i = 0; i < n; i++)
        {
            err += (double)(x[i] - y[i]) * (x[i] - y[i]);
            sig += (double)x[i] * x[i];
        }
        double rel = Math.Sqrt(err / sig);
        output.WriteLine($"{type}: relative RMS error {rel:F5} (bound {bound})");
        Assert.InRange(rel, 0, bound);
    }

    /// <summary>
    /// Q8_0 and Q4_0 bound every element, not just the average. Q8_0's levels are symmetric (d = amax / 127), so
    /// |x - y| &lt;= d/2. Q4_0 puts the largest-magnitude element on level -8 and has only +7 on the other side, so
    /// values of the opposite sign beyond 7.5 steps clamp: |x - y| &lt;= d. Both plus the FP16 rounding of d.
    /// </summary>
    [Theory]
    [InlineData(GgmlType.Q8_0, 127, 0.5f)]
    [InlineData(GgmlType.Q4_0, 8, 1.0f)]
    public void SymmetricFormatsBoundEachElement(GgmlType type, int levels, float steps)
    {
        var x = TestData.MixedRow(9, 8);
        var q = new byte[TensorFormat.RowByteCount(type, x.Length)];
        TensorFormat.QuantizeRow(type, x, q);
        var y = new float[x.Length];
        TensorFormat.DequantizeRow(type, q, y);
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[b * 32 + j]));
            float d = amax / levels;
            // Half a step, plus the FP16 error of d (2^-11 relative) times the largest level.
            float bound = d * steps + amax * MathF.Pow(2, -11) * 1.01f + 1e-30f;
            for (int j = 0; j < 32; j++)
            {
                int i = b * 32 + j;
                Assert.True(Math.Abs(x[i] - y[i]) <= bound, $"element {i}: {x[i]} came back as {y[i]} (bound {bound})");
            }
        }
    }

    [Fact]
    public void ZeroRowsStayZero()
    {
        foreach (var type in TensorFormat.SupportedTypes)
        {
            var x = new float[512];
            var q = new byte[TensorFormat.RowByteCount(type, x.Length)];
            TensorFormat.QuantizeRow(type, x, q);
            var y = new float[x.Length];
            TensorFormat.DequantizeRow(type, q, y);
            Assert.All(y, v => Assert.Equal(0f, v));
        }
    }
}
