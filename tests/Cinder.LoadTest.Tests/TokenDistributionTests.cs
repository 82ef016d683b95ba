namespace Cinder.LoadTest.Tests;

public class TokenDistributionTests
{
    [Theory]
    [InlineData("128", DistributionKind.Fixed, "fixed:128")]
    [InlineData(" fixed:64 ", DistributionKind.Fixed, "fixed:64")]
    [InlineData("uniform:32-256", DistributionKind.Uniform, "uniform:32-256")]
    [InlineData("uniform: 32 - 256", DistributionKind.Uniform, "uniform:32-256")]
    [InlineData("normal:128,32", DistributionKind.Normal, "normal:128,32")]
    [InlineData("normal:128.5,0,100-200", DistributionKind.Normal, "normal:128.5,0,100-200")]
    [InlineData("LogNormal:256,128", DistributionKind.LogNormal, "lognormal:256,128")]
    [InlineData("exponential:100", DistributionKind.Exponential, "exponential:100")]
    [InlineData("exp:100,10-500", DistributionKind.Exponential, "exponential:100,10-500")]
    public void Parses_every_form(string text, DistributionKind kind, string normalised)
    {
        var d = TokenDistribution.Parse(text, "--prompt-tokens");
        Assert.Equal(kind, d.Kind);
        Assert.Equal(normalised, d.Text);
        Assert.Equal(normalised, TokenDistribution.Parse(d.Text, "--prompt-tokens").Text); // the normal form parses back to itself
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("fixed:0", "N must be a whole number from 1 to 1000000, got '0'")]
    [InlineData("fixed:abc", "N must be a whole number")]
    [InlineData("fixed:1.5", "N must be a whole number")]
    [InlineData("fixed:1,2", "fixed takes one value")]
    [InlineData("uniform:10", "expected a range MIN-MAX, got '10'")]
    [InlineData("uniform:20-10", "MIN (20) is larger than MAX (10)")]
    [InlineData("uniform:1-2000000", "MAX must be a whole number from 1 to 1000000")]
    [InlineData("normal:128", "normal takes a mean, a standard deviation and an optional range: normal:MEAN,SD[,MIN-MAX]")]
    [InlineData("normal:-5,3", "MEAN must be in (0, 1000000]")]
    [InlineData("lognormal:10,-1", "SD must be in [0, 1000000]")]
    [InlineData("normal:x,3", "MEAN must be a number, got 'x'")]
    [InlineData("normal:nan,3", "MEAN must be a number, got 'nan'")]
    [InlineData("exponential:0", "MEAN must be in (0, 1000000]")]
    [InlineData("poisson:5", "unknown distribution 'poisson'; expected fixed:N, uniform:MIN-MAX, normal:MEAN,SD, lognormal:MEAN,SD or exponential:MEAN")]
    public void Rejects_bad_text_naming_the_option_and_the_reason(string text, string reason)
    {
        var e = Assert.Throws<LoadTestException>(() => TokenDistribution.Parse(text, "--output-tokens"));
        Assert.StartsWith($"invalid --output-tokens '{text}': ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    private static int[] Draw(string spec, int n = 20000, int seed = 42)
    {
        var d = TokenDistribution.Parse(spec, "x");
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => d.Sample(rng)).ToArray();
    }

    private static (double Mean, double Sd) Moments(int[] xs)
    {
        double mean = xs.Average();
        double sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
        return (mean, sd);
    }

    [Fact]
    public void Fixed_always_gives_its_value()
    {
        Assert.All(Draw("fixed:77", 100), x => Assert.Equal(77, x));
    }

    [Fact]
    public void Uniform_covers_its_range_evenly()
    {
        var xs = Draw("uniform:32-256");
        Assert.Equal(32, xs.Min());
        Assert.Equal(256, xs.Max());
        var (mean, sd) = Moments(xs);
        // Discrete uniform on 225 values: mean 144, sd sqrt((225^2 - 1) / 12) = 64.95; the mean's standard error is 0.46.
        Assert.InRange(mean, 144 - 2, 144 + 2);
        Assert.InRange(sd, 64.95 * 0.97, 64.95 * 1.03);
    }

    [Fact]
    public void Normal_has_its_mean_and_standard_deviation()
    {
        var (mean, sd) = Moments(Draw("normal:128,32"));
        Assert.InRange(mean, 127, 129); // standard error 0.23
        Assert.InRange(sd, 31, 33);
    }

    [Fact]
    public void Lognormal_is_parameterised_by_the_values_mean_and_sd()
    {
        var xs = Draw("lognormal:256,128", 50000);
        var (mean, sd) = Moments(xs);
        Assert.InRange(mean, 256 * 0.98, 256 * 1.02);
        Assert.InRange(sd, 128 * 0.94, 128 * 1.06);
        // Right-skewed: the median lies below the mean (exp(mu) = 256 / sqrt(1.25) = 229).
        Assert.InRange(Percentiles.Of(xs.Select(x => (double)x), 50), 222, 236);
    }

    [Fact]
    public void Exponential_has_its_mean()
    {
        var (mean, sd) = Moments(Draw("exponential:100", 50000));
        Assert.InRange(mean, 98, 102);
        Assert.InRange(sd, 96, 104);
    }

    [Fact]
    public void Samples_are_clamped_to_the_range_and_to_at_least_one()
    {
        var xs = Draw("normal:100,50,80-120");
        Assert.Equal(80, xs.Min());
        Assert.Equal(120, xs.Max());
        Assert.True(xs.Count(x => x == 80) > 20 && xs.Count(x => x == 120) > 20, "clamping piles the tails onto the bounds");
        var wide = Draw("normal:2,10");
        Assert.Equal(1, wide.Min());
    }

    [Fact]
    public void The_same_seed_gives_the_same_samples()
    {
        Assert.Equal(Draw("lognormal:300,200", 500, seed: 9), Draw("lognormal:300,200", 500, seed: 9));
        Assert.NotEqual(Draw("lognormal:300,200", 500, seed: 9), Draw("lognormal:300,200", 500, seed: 10));
    }
}
