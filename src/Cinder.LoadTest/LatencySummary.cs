namespace Cinder.LoadTest;

/// <summary>
/// Summary of one latency sample in milliseconds (or seconds, for Retry-After): count, mean, min, p50, p90, p95, p99
/// and max, the percentiles from <see cref="Percentiles"/>. With no samples every statistic is null.
/// </summary>
public sealed record LatencySummary(int Count, double? Mean, double? Min, double? P50, double? P90, double? P95, double? P99, double? Max)
{
    public static LatencySummary Empty { get; } = new(0, null, null, null, null, null, null, null);

    /// <summary>Summarises <paramref name="values"/> (sorted in place).</summary>
    public static LatencySummary From(List<double> values)
    {
        if (values.Count == 0) return Empty;
        values.Sort();
        var s = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values);
        double sum = 0;
        foreach (double v in s) sum += v;
        return new LatencySummary(s.Length, sum / s.Length, s[0],
            Percentiles.OfSorted(s, 50), Percentiles.OfSorted(s, 90), Percentiles.OfSorted(s, 95), Percentiles.OfSorted(s, 99), s[^1]);
    }
}
