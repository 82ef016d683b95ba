namespace Cinder.LoadTest;

/// <summary>Everything one load-test run needs. <see cref="Validate"/> checks the combination before anything is sent.</summary>
public sealed class LoadTestOptions
{
    /// <summary>Server base URL; requests go to <c>{BaseUrl}/v1/completions</c> or <c>/v1/chat/completions</c>
    /// (a base that already ends in <c>/v1</c> is used as it is).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>At least one; a single tenant with no key sends no Authorization header.</summary>
    public required IReadOnlyList<TenantSpec> Tenants { get; init; }

    /// <summary>The <c>model</c> field; null asks <c>GET /v1/models</c> and takes the first, or omits the field.</summary>
    public string? Model { get; init; }

    public ApiEndpoint Endpoint { get; init; } = ApiEndpoint.Completions;

    /// <summary>Seconds of measured arrivals (after the warm-up). With <see cref="Requests"/>, whichever ends first.</summary>
    public double? Duration { get; init; }

    /// <summary>Measured requests to send (warm-up requests not counted).</summary>
    public int? Requests { get; init; }

    /// <summary>Mean requests per second outside bursts, over all tenants that have no rate of their own.</summary>
    public double? Rate { get; init; }

    /// <summary>Mean requests per second inside bursts (same tenants as <see cref="Rate"/>); requires <see cref="Bursts"/>.</summary>
    public double? BurstRate { get; init; }

    public BurstWindows? Bursts { get; init; }

    public TokenDistribution PromptTokens { get; init; } = TokenDistribution.Fixed(128);

    public TokenDistribution OutputTokens { get; init; } = TokenDistribution.Fixed(128);

    public PromptBuilder Prompts { get; init; } = PromptBuilder.Synthetic;

    /// <summary>Replay these arrivals instead of drawing Poisson arrivals.</summary>
    public IReadOnlyList<TraceEntry>? Trace { get; init; }

    /// <summary>Trace time is divided by this (2 replays twice as fast).</summary>
    public double TraceSpeed { get; init; } = 1;

    /// <summary>Most requests in flight at once; further arrivals wait for a slot and the wait is reported.</summary>
    public int ConcurrencyLimit { get; init; } = 512;

    public int Seed { get; init; }

    /// <summary>Per request, from the first send to the end of the stream (retries included).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Seconds at the start whose arrivals are sent but not measured.</summary>
    public double Warmup { get; init; }

    /// <summary>Retry a shed request after its Retry-After (1 s when absent), up to <see cref="MaxRetries"/> times.</summary>
    public bool RetryShed { get; init; }

    public int MaxRetries { get; init; } = 3;

    /// <summary>HTTP statuses that mean "shed" (429 unless set).</summary>
    public IReadOnlySet<int> ShedStatuses { get; init; } = new HashSet<int> { 429 };

    /// <summary>Send <c>ignore_eos: true</c> so the server generates exactly max_tokens (llama.cpp, vLLM and Cinder honour it).</summary>
    public bool IgnoreEos { get; init; } = true;

    /// <summary>Checks the combination; throws <see cref="LoadTestException"/> naming the option at fault.</summary>
    public void Validate()
    {
        if (BaseUrl.Scheme is not ("http" or "https")) throw new LoadTestException($"--url must be an http:// or https:// URL, got '{BaseUrl}'");
        if (Tenants.Count == 0) throw new LoadTestException("no tenant: give --key, --tenant or neither (one tenant without a key)");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in Tenants)
            if (!names.Add(t.Name)) throw new LoadTestException($"tenant '{t.Name}' is given twice");
        if (Duration is { } d && (!(d > 0) || !double.IsFinite(d))) throw new LoadTestException($"--duration must be a positive number of seconds, got {d}");
        if (Requests is { } n && n < 1) throw new LoadTestException($"--requests must be at least 1, got {n}");
        if (!(Warmup >= 0) || !double.IsFinite(Warmup)) throw new LoadTestException($"--warmup must be zero or a positive number of seconds, got {Warmup}");
        if (ConcurrencyLimit < 1) throw new LoadTestException($"--concurrency-limit must be at least 1, got {ConcurrencyLimit}");
        if (!(Timeout > TimeSpan.Zero)) throw new LoadTestException($"--timeout must be positive, got {Timeout.TotalSeconds} s");
        if (MaxRetries < 0) throw new LoadTestException($"--max-retries must be zero or more, got {MaxRetries}");
        if (ShedStatuses.Any(s => s is < 400 or > 599)) throw new LoadTestException("--shed-status takes HTTP error statuses (400-599)");
        if (Trace is not null)
        {
            if (!(TraceSpeed > 0) || !double.IsFinite(TraceSpeed)) throw new LoadTestException($"--trace-speed must be a positive number, got {TraceSpeed}");
            if (Rate is not null || BurstRate is not null || Bursts is not null)
                throw new LoadTestException("--trace replays its own arrival times: drop --rate and the --burst-* options");
            if (Tenants.Any(t => t.Rate is not null)) throw new LoadTestException("--trace replays its own arrival times: drop rate= from --tenant");
            foreach (var e in Trace)
                if (e.Tenant is not null && !names.Contains(e.Tenant))
                    throw new LoadTestException($"trace line {e.Line}: tenant '{e.Tenant}' is not configured; give --tenant {e.Tenant}=KEY");
            return;
        }
        if (Duration is null && Requests is null) throw new LoadTestException("give --duration SECONDS or --requests N (or --trace FILE) to say when the run ends");
        bool anyShared = Tenants.Any(t => t.Rate is null);
        if (anyShared && Rate is null) throw new LoadTestException("give --rate (mean requests per second), or rate= on every --tenant");
        if (Rate is { } r && (!(r >= 0) || !double.IsFinite(r))) throw new LoadTestException($"--rate must be zero or a positive number of requests per second, got {r}");
        if (BurstRate is { } b)
        {
            if (!(b >= 0) || !double.IsFinite(b)) throw new LoadTestException($"--burst-rate must be zero or a positive number of requests per second, got {b}");
            if (Bursts is null) throw new LoadTestException("--burst-rate needs --burst-every and --burst-duration");
        }
        if (Bursts is not null && BurstRate is null && Tenants.All(t => t.BurstRate is null))
            throw new LoadTestException("--burst-every and --burst-duration need --burst-rate (or burst-rate= on a --tenant)");
        if (Tenants.Any(t => t.BurstRate is not null) && Bursts is null)
            throw new LoadTestException("burst-rate= on a --tenant needs --burst-every and --burst-duration");
        var rates = Workload.TenantRates(this);
        bool anyTraffic = rates.Any(x => x.Base > 0 || (Bursts is not null && x.Burst > 0));
        if (!anyTraffic) throw new LoadTestException("every rate is zero: no request would ever be sent");
        if (Duration is null && rates.All(x => x.Base == 0))
            throw new LoadTestException("with traffic only in bursts, give --duration so the run has an end");
    }
}
