namespace Cinder.Engine.Benchmarking;

/// <summary>One benchmark test (as llama-bench names them: "pp128", "tg32") at one thread count, over several runs.</summary>
public sealed record BenchResult(int Threads, string Test, int Tokens, IReadOnlyList<double> TokensPerSecond)
{
    public double Mean => TokensPerSecond.Average();

    public double Median
    {
        get
        {
            var s = TokensPerSecond.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }
    }

    /// <summary>Sample standard deviation of the runs (0 for a single run).</summary>
    public double StdDev
    {
        get
        {
            if (TokensPerSecond.Count < 2) return 0;
            double mean = Mean;
            return Math.Sqrt(TokensPerSecond.Sum(x => (x - mean) * (x - mean)) / (TokensPerSecond.Count - 1));
        }
    }
}
