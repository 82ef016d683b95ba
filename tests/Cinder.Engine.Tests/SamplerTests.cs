using Cinder.Engine.Sampling;

namespace Cinder.Engine.Tests;

public class SamplerTests
{
    private static float[] Logits(params float[] v) => v;

    /// <summary>How often each token is drawn over many samples.</summary>
    private static double[] Frequencies(SamplingParameters p, float[] logits, int draws = 20000, int[]? history = null)
    {
        var sampler = new Sampler(logits.Length, p);
        var counts = new double[logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample(logits, history ?? Array.Empty<int>())]++;
        return counts.Select(c => c / draws).ToArray();
    }

    private static double[] Softmax(float[] logits, float temperature)
    {
        var e = logits.Select(l => Math.Exp((l - logits.Max()) / temperature)).ToArray();
        return e.Select(x => x / e.Sum()).ToArray();
    }

    private static SamplingParameters Plain(float temperature = 1f) => new() { Temperature = temperature, TopK = 0, TopP = 1f, MinP = 0f };

    [Fact]
    public void TemperatureZeroIsArgmax()
    {
        var s = new Sampler(5, SamplingParameters.Greedy);
        Assert.Equal(3, s.Sample(Logits(0.1f, 2f, -1f, 5f, 4.9f), Array.Empty<int>()));
        Assert.Equal(0, s.Sample(Logits(7f, 7f, 1f, 1f, 1f), Array.Empty<int>())); // ties go to the lower id
    }

    [Fact]
    public void SamplingFollowsTheSoftmaxOfLogitsOverTemperature()
    {
        var logits = Logits(2f, 1f, 0.5f, -1f);
        foreach (var t in new[] { 0.5f, 1f, 2f })
        {
            var expected = Softmax(logits, t);
            var observed = Frequencies(Plain(t), logits, 40000);
            for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(expected[i] - observed[i]) < 0.012, $"T={t} token {i}: expected {expected[i]:F3}, observed {observed[i]:F3}");
        }
    }

    [Fact]
    public void TopKKeepsOnlyTheKBest()
    {
        var f = Frequencies(Plain() with { TopK = 2 }, Logits(1f, 3f, 2.9f, 0f, 2.8f));
        Assert.Equal(0, f[0]);
        Assert.Equal(0, f[3]);
        Assert.Equal(0, f[4]);
        Assert.True(f[1] > 0.4 && f[2] > 0.4);
    }

    [Fact]
    public void TopKOverAFullVocabularyBreaksTiesTowardsTheLowerIds()
    {
        // 60 tokens share the best logit, scattered over 32000 (among them the last few ids, past any whole vector):
        // top-k 40 keeps the 40 lowest of them, as llama.cpp's sort does, and never one of the other 20.
        var random = new Random(5);
        var logits = Enumerable.Range(0, 32000).Select(_ => (float)Math.Round(random.NextDouble() * 8 - 10, 1)).ToArray();
        var best = Enumerable.Range(0, 32000).OrderBy(_ => random.Next()).Take(57).Concat([31997, 31998, 31999]).Distinct().Take(60).ToArray();
        foreach (int id in best) logits[id] = 1f;
        var expected = best.Order().Take(40).ToHashSet();
        var f = Frequencies(Plain() with { TopK = 40 }, logits, 8000);
        var drawn = Enumerable.Range(0, logits.Length).Where(i => f[i] > 0).ToHashSet();
        Assert.True(expected.SetEquals(drawn), $"drawn but not expected: [{string.Join(", ", drawn.Except(expected))}], expected but not drawn: [{string.Join(", ", expected.Except(drawn))}]");
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        // probabilities 0.5, 0.3, 0.15, 0.05
        var logits = new[] { 0.5f, 0.3f, 0.15f, 0.05f }.Select(x => MathF.Log(x)).ToArray();
        var f = Frequencies(Plain() with { TopP = 0.7f }, logits);
        Assert.Equal(0, f[2]);
        Assert.Equal(0, f[3]);
        Assert.True(Math.Abs(f[0] - 0.625) < 0.02, $"{f[0]}"); // 0.5 / 0.8 after renormalising
        var all = Frequencies(Plain() with { TopP = 0.96f }, logits);
        Assert.True(all[3] > 0);
    }

    [Fact]
    public void MinPDropsTokensFarBelowTheBest()
    {
        var logits = new[] { 0.5f, 0.3f, 0.15f, 0.05f }.Select(x => MathF.Log(x)).ToArray();
        var f = Frequencies(Plain() with { MinP = 0.5f }, logits); // keep p >= 0.25
        Assert.True(f[0] > 0 && f[1] > 0);
        Assert.Equal(0, f[2]);
        Assert.Equal(0, f[3]);
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits()
    {
        var greedy = SamplingParameters.Greedy with { RepetitionPenalty = 2f };
        var s = new Sampler(3, greedy);
        // token 0 (4.0 -> 2.0) falls below token 1 (3.0)
        Assert.Equal(1, s.Sample(Logits(4f, 3f, 0f), new[] { 0 }));
        // a negative logit gets more negative: token 2 (-1 -> -2) falls below token 1 (-1.5)
        Assert.Equal(1, s.Sample(Logits(-5f, -1.5f, -1f), new[] { 2 }));
        // unseen tokens are untouched
        Assert.Equal(0, s.Sample(Logits(4f, 3f, 0f), new[] { 2 }));
    }

    [Fact]
    public void PresenceAndFrequencyPenaltiesSubtractPerToken()
    {
        // token 0 seen three times: 5 - (3·1.0 + 0.5) = 1.5 < 2
        var s = new Sampler(2, SamplingParameters.Greedy with { FrequencyPenalty = 1f, PresencePenalty = 0.5f });
        Assert.Equal(1, s.Sample(Logits(5f, 2f), new[] { 0, 0, 0 }));
        // seen twice: 5 - 2.5 = 2.5 > 2
        Assert.Equal(0, s.Sample(Logits(5f, 2f), new[] { 0, 0 }));
    }

    [Fact]
    public void PenaltiesLookOnlyAtTheLastNTokens()
    {
        var s = new Sampler(2, SamplingParameters.Greedy with { RepetitionPenalty = 10f, PenaltyLastN = 1 });
        Assert.Equal(0, s.Sample(Logits(5f, 2f), new[] { 0, 1 })); // the 0 is outside the window
        Assert.Equal(1, s.Sample(Logits(5f, 2f), new[] { 1, 0 }));
    }

    [Fact]
    public void TheSameSeedGivesTheSameTokens()
    {
        var logits = Enumerable.Range(0, 100).Select(i => MathF.Sin(i) * 3).ToArray();
        var p = new SamplingParameters { Temperature = 1.2f, Seed = 42 };
        int[] Run(SamplingParameters q)
        {
            var s = new Sampler(logits.Length, q);
            return Enumerable.Range(0, 50).Select(_ => s.Sample(logits, Array.Empty<int>())).ToArray();
        }
        Assert.Equal(Run(p), Run(p));
        Assert.NotEqual(Run(p), Run(p with { Seed = 43 }));
    }

    [Fact]
    public void SamplingAllocatesNothing()
    {
        var logits = Enumerable.Range(0, 32000).Select(i => MathF.Cos(i * 0.37f) * 4).ToArray();
        var s = new Sampler(logits.Length, new SamplingParameters { Temperature = 0.9f, RepetitionPenalty = 1.1f, PresencePenalty = 0.2f, FrequencyPenalty = 0.1f });
        var history = Enumerable.Range(0, 100).ToArray();
        s.Sample(logits, history); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) s.Sample(logits, history);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("Temperature")]
    [InlineData("TopP")]
    [InlineData("MinP")]
    [InlineData("TopK")]
    public void OutOfRangeParametersAreNamed(string name)
    {
        var p = name switch
        {
            "Temperature" => new SamplingParameters { Temperature = -1 },
            "TopP" => new SamplingParameters { TopP = 0 },
            "MinP" => new SamplingParameters { MinP = 2 },
            _ => new SamplingParameters { TopK = -3 },
        };
        var e = Assert.ThrowsAny<ArgumentException>(() => p.Validate());
        Assert.Equal(name, e.ParamName);
    }
}
