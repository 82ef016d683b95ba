namespace Cinder.LoadTest;

/// <summary>Turns options into the schedule of requests: Poisson arrivals per tenant, merged, or a trace replayed.</summary>
/// <remarks>
/// Every tenant has its own random streams derived from the seed (arrival gaps, lengths), so one tenant's schedule
/// does not change when another tenant is added. The merged schedule is in time order; the run stops taking at the
/// end of the duration or after the requested count of measured requests, whichever comes first.
/// </remarks>
public static class Workload
{
    /// <summary>Each tenant's (base, burst) rate in requests per second, by the rules of <see cref="TenantSpec"/>.</summary>
    public static IReadOnlyList<(double Base, double Burst)> TenantRates(LoadTestOptions o)
    {
        double shares = o.Tenants.Where(t => t.Rate is null).Sum(t => t.Share);
        return o.Tenants.Select(t =>
        {
            if (t.Rate is { } own) return (own, t.BurstRate ?? own);
            double f = t.Share / shares;
            double b = (o.Rate ?? 0) * f;
            return (b, o.BurstRate is { } br ? br * f : b);
        }).ToList();
    }

    /// <summary>The schedule, lazily (prompts are generated at send time from <see cref="PromptRandom"/>).</summary>
    public static IEnumerable<PlannedRequest> Plan(LoadTestOptions o) => o.Trace is not null ? PlanTrace(o) : PlanPoisson(o);

    /// <summary>The random stream for request <paramref name="index"/>'s prompt text.</summary>
    public static Random PromptRandom(int seed, int index) => new(Mix(seed, index, 4));

    private static IEnumerable<PlannedRequest> PlanPoisson(LoadTestOptions o)
    {
        var rates = TenantRates(o);
        int n = o.Tenants.Count;
        var arrivals = new IEnumerator<double>[n];
        var lengths = new Random[n];
        var next = new double[n];
        for (int i = 0; i < n; i++)
        {
            arrivals[i] = ArrivalProcess.Times(new Random(Mix(o.Seed, i, 1)), rates[i].Base, o.Bursts is null ? rates[i].Base : rates[i].Burst, o.Bursts).GetEnumerator();
            lengths[i] = new Random(Mix(o.Seed, i, 2));
            next[i] = arrivals[i].MoveNext() ? arrivals[i].Current : double.PositiveInfinity;
        }
        double end = o.Duration is { } d ? o.Warmup + d : double.PositiveInfinity;
        int measured = 0, index = 0;
        try
        {
            while (true)
            {
                int best = 0;
                for (int i = 1; i < n; i++)
                    if (next[i] < next[best]) best = i;
                double t = next[best];
                if (!(t < end)) yield break;
                bool warm = t < o.Warmup;
                if (!warm && o.Requests is { } max && measured >= max) yield break;
                int p = o.PromptTokens.Sample(lengths[best]);
                int q = o.OutputTokens.Sample(lengths[best]);
                yield return new PlannedRequest(index++, t, best, p, null, q, warm);
                if (!warm) measured++;
                next[best] = arrivals[best].MoveNext() ? arrivals[best].Current : double.PositiveInfinity;
            }
        }
        finally
        {
            foreach (var a in arrivals) a.Dispose();
        }
    }

    private static IEnumerable<PlannedRequest> PlanTrace(LoadTestOptions o)
    {
        var lengths = new Random(Mix(o.Seed, 0, 3));
        var tenants = o.Tenants.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        double end = o.Duration is { } d ? o.Warmup + d : double.PositiveInfinity;
        int measured = 0, index = 0;
        foreach (var e in o.Trace!)
        {
            double t = e.Time / o.TraceSpeed;
            if (!(t < end)) yield break;
            bool warm = t < o.Warmup;
            if (!warm && o.Requests is { } max && measured >= max) yield break;
            int tenant = e.Tenant is null ? 0 : tenants[e.Tenant];
            // Draw both lengths for every line, used or not, so one line's fields do not shift the next line's draws.
            int p = o.PromptTokens.Sample(lengths);
            int q = o.OutputTokens.Sample(lengths);
            yield return new PlannedRequest(index++, t, tenant, e.Prompt is null ? e.PromptTokens ?? p : 0, e.Prompt, e.OutputTokens ?? q, warm);
            if (!warm) measured++;
        }
    }

    /// <summary>A fixed 32-bit mix of (seed, a, b) for seeding System.Random (HashCode is randomised per process, so not that).</summary>
    internal static int Mix(int seed, int a, int b)
    {
        ulong x = (uint)seed;
        x = x * 0x9E3779B97F4A7C15UL + (uint)a;
        x ^= x >> 31;
        x = x * 0xBF58476D1CE4E5B9UL + (uint)b;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }
}
