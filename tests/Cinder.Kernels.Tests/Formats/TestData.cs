namespace Cinder.Kernels.Tests.Formats;

/// <summary>Seeded test inputs: rows mixing the distributions weights actually have with the edge cases quantizers special-case.</summary>
internal static class TestData
{
    public static float[] Gaussian(Random rng, int n, float sigma = 1f)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = sigma * NextGaussian(rng);
        return x;
    }

    public static float NextGaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>
    /// <paramref name="blocks"/> groups of 256 values, each group drawn from one of several shapes: N(0,1), N(0,0.02)
    /// (typical weights), uniform, all positive, heavy tailed, sparse, and the special cases (all zero, constant,
    /// denormal-small, a single non-zero, exact halves that test the rounding of ties).
    /// </summary>
    public static float[] MixedRow(int seed, int blocks)
    {
        var rng = new Random(seed);
        var x = new float[blocks * 256];
        for (int b = 0; b < blocks; b++)
        {
            var g = x.AsSpan(b * 256, 256);
            switch (b % 12)
            {
                case 0: for (int i = 0; i < 256; i++) g[i] = NextGaussian(rng); break;
                case 1: for (int i = 0; i < 256; i++) g[i] = 0.02f * NextGaussian(rng); break;
                case 2: for (int i = 0; i < 256; i++) g[i] = (float)(rng.NextDouble() * 2 - 1); break;
                case 3: for (int i = 0; i < 256; i++) g[i] = (float)rng.NextDouble() * 3 + 0.5f; break;
                case 4: for (int i = 0; i < 256; i++) g[i] = NextGaussian(rng) * (rng.Next(20) == 0 ? 30f : 1f); break;
                case 5: for (int i = 0; i < 256; i++) g[i] = rng.Next(8) == 0 ? NextGaussian(rng) : 0f; break;
                case 6: g.Clear(); break;
                case 7: g.Fill(0.7f); break;
                case 8: for (int i = 0; i < 256; i++) g[i] = 1e-30f * NextGaussian(rng); break;
                case 9: g.Clear(); g[rng.Next(256)] = -3.25f; break;
                case 10: for (int i = 0; i < 256; i++) g[i] = (rng.Next(33) - 16) * 0.5f; break;
                default: for (int i = 0; i < 256; i++) g[i] = (float)(rng.NextDouble() * -2.0) - 0.1f; break;
            }
        }
        return x;
    }
}
