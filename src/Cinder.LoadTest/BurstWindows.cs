namespace Cinder.LoadTest;

/// <summary>
/// When bursts happen: windows [Start + k*Every, Start + k*Every + Duration) for k = 0, 1, 2, ... (seconds since the
/// run began). Inside a window each tenant sends at its burst rate, outside at its base rate.
/// </summary>
public sealed record BurstWindows
{
    public BurstWindows(double every, double duration, double start)
    {
        if (!(every > 0) || !double.IsFinite(every)) throw new LoadTestException($"--burst-every must be a positive number of seconds, got {every}");
        if (!(duration > 0) || !double.IsFinite(duration)) throw new LoadTestException($"--burst-duration must be a positive number of seconds, got {duration}");
        if (duration > every) throw new LoadTestException($"--burst-duration ({duration} s) must not exceed --burst-every ({every} s)");
        if (!(start >= 0) || !double.IsFinite(start)) throw new LoadTestException($"--burst-start must be zero or a positive number of seconds, got {start}");
        Every = every;
        Duration = duration;
        Start = start;
    }

    /// <summary>Seconds from the start of one burst to the start of the next.</summary>
    public double Every { get; }

    /// <summary>Seconds each burst lasts.</summary>
    public double Duration { get; }

    /// <summary>When the first burst begins, in seconds since the run began.</summary>
    public double Start { get; }

    /// <summary>Whether time <paramref name="t"/> falls inside a burst.</summary>
    public bool InBurst(double t) => Segment(t).Burst;

    /// <summary>
    /// The constant-rate piece that contains <paramref name="t"/>: whether it is a burst, and the time it ends
    /// (always greater than <paramref name="t"/>, so a caller walking the pieces always advances).
    /// </summary>
    public (bool Burst, double End) Segment(double t)
    {
        if (t < Start) return (false, Start);
        long k = (long)Math.Floor((t - Start) / Every);
        // Floating-point division can land one period off at the boundaries; correct it so ws <= t < ws + Every.
        while (Start + (k + 1) * Every <= t) k++;
        while (k > 0 && Start + k * Every > t) k--;
        // The end is computed by the same expression as the loop's test, so it is strictly after t (ws + Every could
        // round to t itself and stall a caller walking the pieces).
        double ws = Start + k * Every, next = Start + (k + 1) * Every;
        return t < ws + Duration ? (true, ws + Duration) : (false, next);
    }

    /// <summary>Seconds of burst inside [0, <paramref name="horizon"/>).</summary>
    public double BurstSecondsBefore(double horizon)
    {
        double total = 0;
        for (double t = 0; t < horizon;)
        {
            var (burst, end) = Segment(t);
            double e = Math.Min(end, horizon);
            if (burst) total += e - t;
            t = e;
        }
        return total;
    }
}
