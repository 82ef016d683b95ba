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
        var y = new float[n]; // an F16 accumulator, held as floats
        var x = new Half[n];
        for (int i = 0; i < n; i++)
        {
            q[i] = (float)(Half)(random.NextDouble() * 4 - 2);
            k[i] = (Half)(random.NextDouble() * 4 - 2);
            y[i] = (float)(Half)(random.NextDouble() * 10 - 5);
            x[i] = (Half)(random.NextDouble() * 10 - 5);
        }
        fixed (float* pq = q, py = y)
        fixed (Half* pk = k, px = x)
        {
            float dot = HalfAttention.Dot(pq, pk, n);
            double magnitude = 0;
            for (int i = 0; i < n; i++) magnitude += Math.Abs(q[i] * (double)(float)k[i]);
            Assert.True(Math.Abs(dot - HalfAttention.DotReference(pq, pk, n)) <= 1e-6 * magnitude, $"{dot}");

            var expected = new float[n];
            for (int i = 0; i < n; i++)
            {
                // The vector part fuses the multiply-add (one rounding to F32), the tail rounds the product first; both then round to F16.
                float fused = MathF.FusedMultiplyAdd((float)x[i], 0.37f, y[i]);
                float split = y[i] + (float)x[i] * 0.37f;
                expected[i] = (float)(Half)(i < (n & ~63) ? fused : split);
            }
            HalfAttention.MultiplyAdd(py, px, 0.37f, n);
            Assert.Equal(expected, y);

            for (int i = 0; i < n; i++) expected[i] = (float)(Half)(y[i] * 0.61f);
            HalfAttention.Scale(py, 0.61f, n);
            Assert.Equal(expected, y);
        }
    }

    public static TheoryData<int, int> TileCases()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in new[] { 16, 8, 4, 1 })
        {
            if (width > HalfAttention.BestWidth) continue;
            foreach (int n in new[] { 1, 7, 16, 37, 64 }) data.Add(width, n);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TileCases))]
    public void SoftmaxExpOfEveryWidthMatchesTheScalarExp(int width, int n)
    {
        var random = new Random(n * 31 + width);
        var scores = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 40 - 30)).ToArray();
        float max = scores.Max();
        var e = scores.ToArray();
        double sum;
        fixed (float* pe = e) sum = HalfAttention.SoftmaxExp(pe, n, max, width);
        double expectedSum = 0;
        for (int i = 0; i < n; i++)
        {
            double expected = Math.Exp(scores[i] - max);
            expectedSum += expected;
            // ggml's vector exp is within about 1.5 ulp; the C library's within 1.
            Assert.True(Math.Abs(e[i] - expected) <= 4e-7 * expected + 1e-30, $"[{i}] e^{scores[i] - max} = {e[i]}, expected {expected}");
        }
        Assert.True(Math.Abs(sum - expectedSum) <= 1e-6 * expectedSum, $"{sum} vs {expectedSum}");
    }

    [Theory]
    [MemberData(nameof(TileCases))]
    public void AccumulateTileOfEveryWidthEqualsTheScalarChain(int width, int count)
    {
        const int n = 72; // not a multiple of 16: every narrower tail runs too
        var random = new Random(count * 7 + width);
        var acc = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var p = Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
        var v = Enumerable.Range(0, count * n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var expected = new float[n];
        for (int d = 0; d < n; d++)
        {
            float a = acc[d] * 0.75f;
            for (int i = 0; i < count; i++) a = MathF.FusedMultiplyAdd(v[i * n + d], p[i], a);
            expected[d] = a;
        }
        fixed (float* pa = acc, pp = p, pv = v) HalfAttention.AccumulateTile(pa, 0.75f, pp, pv, count, n, width);
        Assert.Equal(expected, acc);
    }

    [Theory]
    [MemberData(nameof(TileCases))]
    public void ScoresTileOfEveryWidthEqualsTheScalarChain(int width, int keys)
    {
        const int n = 40, stride = 64;
        var random = new Random(keys * 13 + width);
        var q = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var k = Enumerable.Range(0, n * stride).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var scores = new float[stride];
        fixed (float* pq = q, pk = k, ps = scores) HalfAttention.ScoresTile(pq, pk, stride, keys, n, 0.125f, ps, width);
        for (int i = 0; i < keys; i++)
        {
            float a = 0;
            for (int d = 0; d < n; d++) a = MathF.FusedMultiplyAdd(q[d], k[d * stride + i], a);
            Assert.Equal(a * 0.125f, scores[i]);
        }
    }
}
