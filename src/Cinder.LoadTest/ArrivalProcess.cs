namespace Cinder.LoadTest;

/// <summary>Open-loop arrival times: a Poisson process whose rate switches between a base and a burst rate.</summary>
/// <remarks>
/// Exact simulation of a non-homogeneous Poisson process with a piecewise-constant rate lambda(t): draw
/// E ~ Exp(1), then walk forward until the integral of lambda from the previous arrival reaches E; within a piece of
/// rate r that leaves room, the arrival is at t + E / r, otherwise E shrinks by r * (piece end - t) and the walk moves to
/// the next piece. With a constant rate this is the usual i.i.d. exponential gaps of mean 1 / rate.
/// </remarks>
public static class ArrivalProcess
{
    /// <summary>
    /// Arrival times in seconds (strictly increasing, unbounded; the caller stops taking). Rates are requests per
    /// second and may be zero; with both rates zero, or a zero base rate and no bursts, the sequence is empty.
    /// </summary>
    public static IEnumerable<double> Times(Random rng, double baseRate, double burstRate, BurstWindows? bursts)
    {
        if (baseRate < 0 || burstRate < 0 || !double.IsFinite(baseRate) || !double.IsFinite(burstRate))
            throw new ArgumentOutOfRangeException(nameof(baseRate), "rates must be finite and not negative");
        double t = 0;
        while (true)
        {
            double e = -Math.Log(1 - rng.NextDouble());
            while (true)
            {
                double rate, end;
                if (bursts is null)
                {
                    rate = baseRate;
                    end = double.PositiveInfinity;
                }
                else
                {
                    var (burst, segmentEnd) = bursts.Segment(t);
                    rate = burst ? burstRate : baseRate;
                    end = segmentEnd;
                    // Past the first burst, a schedule with no traffic in either kind of piece never produces another arrival.
                    if (baseRate == 0 && burstRate == 0) yield break;
                }
                if (rate > 0 && (double.IsPositiveInfinity(end) || e <= rate * (end - t)))
                {
                    t += e / rate;
                    break;
                }
                if (double.IsPositiveInfinity(end)) yield break;
                e -= rate * (end - t);
                t = end;
            }
            yield return t;
        }
    }
}
