namespace Cinder.LoadTest.Tests;

public class ArrivalTests
{
    private static double[] Times(double rate, double burst, BurstWindows? w, double horizon, int seed = 5) =>
        ArrivalProcess.Times(new Random(seed), rate, burst, w).TakeWhile(t => t < horizon).ToArray();

    [Fact]
    public void Constant_rate_gives_exponential_gaps_and_poisson_counts()
    {
        var ts = Times(10, 10, null, 2000);
        // Count over 2000 s at 10/s: mean 20000, sd sqrt(20000) = 141.
        Assert.InRange(ts.Length, 20000 - 4 * 141, 20000 + 4 * 141);
        var gaps = ts.Zip(ts.Skip(1), (a, b) => b - a).ToArray();
        Assert.All(gaps, g => Assert.True(g > 0));
        double mean = gaps.Average();
        double sd = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / (gaps.Length - 1));
        Assert.InRange(mean, 0.1 * 0.97, 0.1 * 1.03);
        Assert.InRange(sd / mean, 0.96, 1.04); // exponential: coefficient of variation 1
        // Counts per 1 s bin: variance equals mean for Poisson (index of dispersion 1).
        var bins = new int[2000];
        foreach (double t in ts) bins[(int)t]++;
        double bm = bins.Average();
        double bv = bins.Sum(b => (b - bm) * (b - bm)) / (bins.Length - 1);
        Assert.InRange(bv / bm, 0.88, 1.12);
    }

    [Fact]
    public void Bursts_raise_the_rate_inside_their_windows_only()
    {
        var w = new BurstWindows(every: 10, duration: 2, start: 10);
        var ts = Times(2, 20, w, 2000);
        double burstSeconds = w.BurstSecondsBefore(2000);
        Assert.Equal(199 * 2, burstSeconds, 9); // windows at 10, 20, ..., 1990
        int inside = ts.Count(w.InBurst);
        int outside = ts.Length - inside;
        double expectIn = 20 * burstSeconds, expectOut = 2 * (2000 - burstSeconds);
        Assert.InRange(inside, expectIn - 4 * Math.Sqrt(expectIn), expectIn + 4 * Math.Sqrt(expectIn));
        Assert.InRange(outside, expectOut - 4 * Math.Sqrt(expectOut), expectOut + 4 * Math.Sqrt(expectOut));
        Assert.DoesNotContain(ts, t => t < 10 && w.InBurst(t));
    }

    [Fact]
    public void Zero_base_rate_sends_only_inside_bursts()
    {
        var w = new BurstWindows(every: 5, duration: 1, start: 2);
        var ts = Times(0, 30, w, 100);
        Assert.InRange(ts.Length, 20 * 30 - 4 * Math.Sqrt(600), 20 * 30 + 4 * Math.Sqrt(600));
        Assert.All(ts, t => Assert.True(w.InBurst(t), $"arrival at {t} outside a burst"));
        Assert.Empty(ArrivalProcess.Times(new Random(1), 0, 0, null));
        Assert.Empty(ArrivalProcess.Times(new Random(1), 0, 0, w));
    }

    [Theory]
    [InlineData(0.0, false, 3.0)]
    [InlineData(2.999, false, 3.0)]
    [InlineData(3.0, true, 4.5)]
    [InlineData(4.4, true, 4.5)]
    [InlineData(4.5, false, 8.0)]
    [InlineData(8.0, true, 9.5)]
    [InlineData(5003.0, true, 5004.5)]
    public void Burst_windows_start_at_start_and_repeat_every_period(double t, bool burst, double end)
    {
        var w = new BurstWindows(every: 5, duration: 1.5, start: 3);
        var (b, e) = w.Segment(t);
        Assert.Equal(burst, b);
        Assert.Equal(end, e, 9);
        Assert.True(e > t);
    }

    [Fact]
    public void Segments_always_advance_even_on_awkward_floating_point_boundaries()
    {
        var w = new BurstWindows(every: 0.1, duration: 0.03, start: 0.7);
        double t = 0;
        int steps = 0;
        while (t < 1000 && steps++ < 100000) t = w.Segment(t).End;
        Assert.True(t >= 1000, "walking the pieces must reach the horizon");
        Assert.InRange(steps, 19980, 20020);
    }

    [Theory]
    [InlineData(0, 1, 0, "--burst-every must be a positive number of seconds, got 0")]
    [InlineData(10, 0, 0, "--burst-duration must be a positive number of seconds, got 0")]
    [InlineData(10, 11, 0, "--burst-duration (11 s) must not exceed --burst-every (10 s)")]
    [InlineData(10, 1, -1, "--burst-start must be zero or a positive number of seconds, got -1")]
    public void Burst_windows_reject_nonsense(double every, double duration, double start, string message)
    {
        Assert.Equal(message, Assert.Throws<LoadTestException>(() => new BurstWindows(every, duration, start)).Message);
    }

    [Fact]
    public void The_same_seed_gives_the_same_schedule()
    {
        Assert.Equal(Times(3, 3, null, 100, seed: 8), Times(3, 3, null, 100, seed: 8));
        Assert.NotEqual(Times(3, 3, null, 100, seed: 8), Times(3, 3, null, 100, seed: 9));
    }
}
