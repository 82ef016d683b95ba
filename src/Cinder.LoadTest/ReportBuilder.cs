namespace Cinder.LoadTest;

/// <summary>Turns per-request results into the report. Pure: no clock, no I/O, so tests feed it hand-made results.</summary>
public static class ReportBuilder
{
    public static LoadTestReport Build(LoadTestOptions o, string? model, IReadOnlyList<RequestResult> results, DateTimeOffset startedAt, bool interrupted, int maxInFlight)
    {
        var measured = results.Where(r => !r.Plan.Warmup).ToList();
        var counted = measured.Where(r => r.Outcome != RequestOutcome.Cancelled).ToList();
        double window = counted.Count == 0 ? 0 : counted.Max(r => r.EndedAt) - counted.Min(r => r.SentAt);
        double? span = ArrivalSpan(o, counted);
        var overall = Tenant("all", measured, window, span);
        var perTenant = o.Tenants.Select((t, i) => Tenant(t.Name, measured.Where(r => r.Plan.Tenant == i).ToList(), window, span)).ToList();
        var rates = o.Trace is null ? Workload.TenantRates(o) : null;
        var config = new RunConfig
        {
            Url = o.BaseUrl.ToString(),
            Endpoint = o.Endpoint == ApiEndpoint.Chat ? "chat" : "completions",
            Model = model,
            Seed = o.Seed,
            DurationS = o.Duration,
            Requests = o.Requests,
            Rate = o.Rate,
            BurstRate = o.BurstRate,
            BurstEveryS = o.Bursts?.Every,
            BurstDurationS = o.Bursts?.Duration,
            BurstStartS = o.Bursts?.Start,
            PromptTokens = o.PromptTokens.Text,
            OutputTokens = o.OutputTokens.Text,
            PromptFile = o.Prompts.FromUserFile,
            Trace = o.Trace is not null,
            TraceSpeed = o.Trace is null ? null : o.TraceSpeed,
            ConcurrencyLimit = o.ConcurrencyLimit,
            TimeoutS = o.Timeout.TotalSeconds,
            WarmupS = o.Warmup,
            RetryShed = o.RetryShed,
            MaxRetries = o.MaxRetries,
            ShedStatuses = o.ShedStatuses.Order().ToList(),
            IgnoreEos = o.IgnoreEos,
            Tenants = o.Tenants.Select((t, i) => new TenantConfig(t.Name, t.Key is not null, t.Share,
                rates?[i].Base, rates is null ? null : o.Bursts is null ? rates[i].Base : rates[i].Burst)).ToList(),
        };
        var lag = counted.Select(r => r.DispatchLag * 1000).ToList();
        return new LoadTestReport
        {
            StartedAt = startedAt,
            Config = config,
            Interrupted = interrupted,
            MeasuredWindowS = window,
            Overall = overall,
            Tenants = perTenant,
            Client = new ClientReport(maxInFlight, counted.Count(r => r.WaitedForSlot), LatencySummary.From(lag), results.Count(r => r.Plan.Warmup)),
        };
    }

    /// <summary>
    /// Seconds of measured arrival time: the duration when the run ended by time, else from the end of the warm-up
    /// to the last measured arrival.
    /// </summary>
    private static double? ArrivalSpan(LoadTestOptions o, List<RequestResult> counted)
    {
        if (counted.Count == 0) return null;
        bool endedByCount = o.Requests is { } n && counted.Count >= n;
        double span = o.Duration is { } d && !endedByCount ? d : counted.Max(r => r.Plan.Time) - o.Warmup;
        return span > 0 ? span : null;
    }

    private static TenantReport Tenant(string name, List<RequestResult> rs, double window, double? span)
    {
        var counted = rs.Where(r => r.Outcome != RequestOutcome.Cancelled).ToList();
        var ok = counted.Where(r => r.Outcome == RequestOutcome.Ok).ToList();
        var shed = counted.Where(r => r.Outcome == RequestOutcome.Shed).ToList();
        var errors = counted.Where(r => r.Outcome == RequestOutcome.Error).ToList();
        var byKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in errors)
        {
            string kind = e.ErrorKind ?? "unknown";
            byKind[kind] = byKind.GetValueOrDefault(kind) + 1;
            if (!examples.ContainsKey(kind) && e.ErrorMessage is { } m) examples[kind] = m;
        }
        long outTokens = ok.Sum(r => (long)r.OutputTokens);
        var generated = ok.Where(r => r.Plan.Prompt is null).ToList();
        var usagePrompt = ok.Where(r => r.UsagePromptTokens is not null).ToList();
        int sent = counted.Count;
        return new TenantReport
        {
            Tenant = name,
            Sent = sent,
            Ok = ok.Count,
            Shed = shed.Count,
            Errors = errors.Count,
            Cancelled = rs.Count - counted.Count,
            ShedRate = sent == 0 ? 0 : (double)shed.Count / sent,
            ErrorRate = sent == 0 ? 0 : (double)errors.Count / sent,
            ErrorsByKind = byKind,
            ErrorExamples = examples,
            ShedResponses = counted.Sum(r => r.ShedResponses),
            Retries = counted.Sum(r => Math.Max(0, r.Attempts - 1)),
            RequestsPerS = window > 0 ? ok.Count / window : 0,
            OfferedRequestsPerS = span is { } s ? sent / s : null,
            OutputTokens = outTokens,
            OutputTokensRequested = ok.Sum(r => (long)r.Plan.OutputTokens),
            OutputTokensPerS = window > 0 ? outTokens / window : 0,
            PromptTokensRequestedMean = generated.Count == 0 ? null : generated.Average(r => (double)r.Plan.PromptTokens),
            PromptTokensActualMean = usagePrompt.Count == 0 ? null : usagePrompt.Average(r => (double)r.UsagePromptTokens!.Value),
            TtftMs = Ms(ok.Where(r => r.Ttft is not null).Select(r => r.Ttft!.Value)),
            TpotMs = Ms(ok.Where(r => r.Tpot is not null).Select(r => r.Tpot!.Value)),
            ItlMs = Ms(ok.SelectMany(r => r.ChunkGaps)),
            E2eMs = Ms(ok.Where(r => r.EndToEnd is not null).Select(r => r.EndToEnd!.Value)),
            ShedLatencyMs = Ms(shed.Where(r => r.EndToEnd is not null).Select(r => r.EndToEnd!.Value)),
            RetryAfterS = LatencySummary.From(counted.SelectMany(r => r.RetryAfter).ToList()),
            RetryAfterMissing = counted.Sum(r => r.RetryAfterMissing),
        };
    }

    private static LatencySummary Ms(IEnumerable<double> seconds) => LatencySummary.From(seconds.Select(s => s * 1000).ToList());
}
