namespace Cinder.LoadTest;

/// <summary>Exact percentiles of a sample: every value kept, sorted, no sketches or histograms.</summary>
/// <remarks>
/// Linear interpolation between closest ranks (Hyndman and Fan type 7, numpy's default and Excel's PERCENTILE.INC):
/// for sorted x[0..n-1] and p in [0, 100], h = (n - 1) * p / 100, and the percentile is
/// x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). p0 is the minimum, p100 the maximum, and the p50 of
/// an even count is the mean of the two middle values.
/// </remarks>
public static class Percentiles
{
    /// <summary>The <paramref name="p"/>-th percentile of an ascending-sorted, non-empty sample.</summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty) throw new ArgumentException("the sample is empty", nameof(sorted));
        if (!(p >= 0 && p <= 100)) throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile is in [0, 100]");
        double h = (sorted.Length - 1) * p / 100.0;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        double frac = h - lo;
        return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
    }

    /// <summary>Sorts a copy of <paramref name="values"/> and returns the <paramref name="p"/>-th percentile.</summary>
    public static double Of(IEnumerable<double> values, double p)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return OfSorted(sorted, p);
    }
}
