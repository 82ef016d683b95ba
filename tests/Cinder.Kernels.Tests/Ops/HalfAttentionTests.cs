using Cinder.Kernels.Ops;

namespace Cinder.Kernels.Tests.Ops;

public unsafe class HalfAttentionTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(72)]
    [InlineData(128)]
    public void VectorPrimitivesMatchTheirScalarFormulas(int n)
    {
        var random = new Random(n);
        var q = new float[n];
        var k = new Half[n];
        var y = new Half[n];
        var x = new Half[n];
        for (int i = 0; i < n; i++)
        {
            q[i] = (float)(Half)(random.NextDouble() * 4 - 2);
            k[i] = (Half)(random.NextDouble() * 4 - 2);
            y[i] = (Half)(random.NextDouble() * 10 - 5);
            x[i] = (Half)(random.NextDouble() * 10 - 5);
        }
        fixed (float* pq = q)
        fixed (Half* pk = k, py = y, px = x)
        {
            float dot = HalfAttention.Dot(pq, pk, n);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.Abs(q[i] * (double)(float)k[i]);
            Assert.True(Math.Abs(dot - HalfAttention.DotReference(pq, pk, n)) <= 1e-6 * magnitude, $"{dot}");

            var expected = new Half[n];
            for (int i = 0; i < n; i++)
            {
                // The vector part fuses the multiply-add (one rounding to F32), the tail rounds the product first; both then round to F16.
                float fused = MathF.FusedMultiplyAdd((float)x[i], 0.37f, (float)y[i]);
                float split = (float)y[i] + (float)x[i] * 0.37f;
                expected[i] = (Half)(i < (n & ~63) ? fused : split);
            }
            HalfAttention.MultiplyAdd(py, px, 0.37f, n);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], y[i]);

            for (int i = 0; i < n; i++) expected[i] = (Half)((float)y[i] * 0.61f);
            HalfAttention.Scale(py, 0.61f, n);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], y[i]);
        }
    }
}
