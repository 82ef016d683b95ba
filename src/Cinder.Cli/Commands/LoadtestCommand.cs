using System.CommandLine;
using System.Globalization;
using Cinder.LoadTest;
using Spectre.Console;

namespace Cinder.Cli.Commands;

/// <summary>
/// `cinder loadtest`: open-loop bursty traffic from several tenants against any OpenAI-compatible server, reported as
/// throughput, TTFT / TPOT / end-to-end percentiles and shed rate (a table, and with --json one JSON object).
/// </summary>
internal static class LoadtestCommand
{
    private sealed class Options
    {
        public Option<string> Url { get; } = new("--url") { Description = "server base URL, e.g. http://127.0.0.1:8080 (requests go to /v1/completions or /v1/chat/completions)", Required = true };
        public Option<string[]> Key { get; } = new("--key") { Description = "API key, sent as 'Authorization: Bearer KEY'; repeat for several tenants (named key1, key2, ...)" };
        public Option<string[]> Tenant { get; } = new("--tenant") { Description = "a tenant: NAME=KEY[,share=W][,rate=R][,burst-rate=B]; repeatable" };
        public Option<string?> Model { get; } = new("--model") { Description = "the request's model field (default: the first model of GET /v1/models, else omitted)" };
        public Option<string> Endpoint { get; } = new("--endpoint") { Description = "completions (/v1/completions) or chat (/v1/chat/completions)", DefaultValueFactory = _ => "completions" };
        public Option<double?> Duration { get; } = new("--duration") { Description = "seconds of measured arrivals (after --warmup)" };
        public Option<int?> Requests { get; } = new("--requests") { Description = "measured requests to send (with --duration: whichever ends first)" };
        public Option<double?> Rate { get; } = new("--rate") { Description = "mean requests per second outside bursts, Poisson arrivals, split over tenants by share" };
        public Option<double?> BurstRate { get; } = new("--burst-rate") { Description = "mean requests per second during bursts (total, split by share like --rate)" };
        public Option<double?> BurstEvery { get; } = new("--burst-every") { Description = "seconds from the start of one burst to the start of the next" };
        public Option<double?> BurstDuration { get; } = new("--burst-duration") { Description = "seconds each burst lasts (at most --burst-every)" };
        public Option<double?> BurstStart { get; } = new("--burst-start") { Description = "seconds into the run when the first burst begins (default: --burst-every)" };
        public Option<string> PromptTokens { get; } = new("--prompt-tokens") { Description = "prompt length distribution: fixed:N, uniform:MIN-MAX, normal:MEAN,SD[,MIN-MAX], lognormal:MEAN,SD[,MIN-MAX], exponential:MEAN[,MIN-MAX]", DefaultValueFactory = _ => "fixed:128" };
        public Option<string> OutputTokens { get; } = new("--output-tokens") { Description = "max_tokens distribution (same grammar as --prompt-tokens)", DefaultValueFactory = _ => "fixed:128" };
        public Option<FileInfo?> PromptFile { get; } = new("--prompt-file") { Description = "take prompts as windows of this text file's words instead of random common words" };
        public Option<FileInfo?> Trace { get; } = new("--trace") { Description = "JSONL trace to replay at its timestamps: {\"t\", \"prompt_tokens\" or \"prompt\", \"output_tokens\", \"tenant\"} per line" };
        public Option<double> TraceSpeed { get; } = new("--trace-speed") { Description = "replay the trace this many times faster", DefaultValueFactory = _ => 1 };
        public Option<int> ConcurrencyLimit { get; } = new("--concurrency-limit") { Description = "most requests in flight; later arrivals wait (reported as schedule lag)", DefaultValueFactory = _ => 512 };
        public Option<int?> Seed { get; } = new("--seed") { Description = "random seed for arrivals, lengths and prompts (default: random, printed in the report)" };
        public Option<double> Timeout { get; } = new("--timeout") { Description = "seconds one request may take, from first send to end of stream", DefaultValueFactory = _ => 300 };
        public Option<double> Warmup { get; } = new("--warmup") { Description = "seconds at the start whose arrivals are sent but not measured", DefaultValueFactory = _ => 0 };
        public Option<bool> RetryShed { get; } = new("--retry-shed") { Description = "retry a shed request after its Retry-After (1 s if absent) instead of counting it shed at once" };
        public Option<int> MaxRetries { get; } = new("--max-retries") { Description = "retries per request with --retry-shed", DefaultValueFactory = _ => 3 };
        public Option<int[]> ShedStatus { get; } = new("--shed-status") { Description = "HTTP status that means shed; repeatable (default: 429)" };
        public Option<bool> IgnoreEos { get; } = new("--ignore-eos") { Description = "send ignore_eos: true so exactly max_tokens are generated ('--ignore-eos false' to let the model stop)", DefaultValueFactory = _ => true, Arity = ArgumentArity.ZeroOrOne };
        public Option<bool> Json { get; } = new("--json") { Description = "print one JSON object on stdout (the table goes to stderr)" };
        public Option<FileInfo?> Output { get; } = new("--output", "-o") { Description = "also write the JSON report to this file" };

        public IEnumerable<Option> All() =>
        [
            Url, Key, Tenant, Model, Endpoint, Duration, Requests, Rate, BurstRate, BurstEvery, BurstDuration, BurstStart,
            PromptTokens, OutputTokens, PromptFile, Trace, TraceSpeed, ConcurrencyLimit, Seed, Timeout, Warmup,
            RetryShed, MaxRetries, ShedStatus, IgnoreEos, Json, Output,
        ];
    }

    public static Command Create()
    {
        var o = new Options();
        o.Endpoint.AcceptOnlyFromAmong("completions", "chat");
        var command = new Command("loadtest", "Replay bursty multi-tenant traffic against an OpenAI-compatible server; report throughput, TTFT, TPOT and shed rate.");
        foreach (var option in o.All()) command.Options.Add(option);
        command.SetAction(async (parse, cancel) =>
        {
            var options = BuildOptions(parse, o);
            bool json = parse.GetValue(o.Json);
            var output = parse.GetValue(o.Output);
            var table = json ? ConsoleOutput.Stderr : ConsoleOutput.Stdout;
            Console.Error.WriteLine(Describe(options));
            using var generator = new LoadGenerator(options);
            bool live = ConsoleOutput.StderrIsTerminal;
            var report = await generator.RunAsync(live ? ShowProgress : null, cancel);
            if (live) Console.Error.Write("\r" + new string(' ', 100) + "\r");
            Render(table, report);
            string text = LoadTestJson.Serialize(report);
            if (json) Console.Out.WriteLine(text);
            if (output is not null) await File.WriteAllTextAsync(output.FullName, text + "\n", CancellationToken.None);
            return report.Interrupted ? 130 : 0;
        });
        return command;
    }

    private static void ShowProgress(LoadProgress p) =>
        Console.Error.Write($"\r{p.ElapsedS,7:F1} s  sent {p.Sent}  ok {p.Ok}  shed {p.Shed}  errors {p.Errors}  in flight {p.InFlight}   ");

    /// <summary>The run's settings from the command line; bad values end as one line naming the option.</summary>
    private static LoadTestOptions BuildOptions(ParseResult parse, Options o)
    {
        string url = parse.GetValue(o.Url)!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new UsageException($"--url must be an absolute http:// or https:// URL, got '{url}'");
        var tenants = new List<TenantSpec>();
        var keys = parse.GetValue(o.Key) ?? [];
        for (int i = 0; i < keys.Length; i++) tenants.Add(new TenantSpec($"key{i + 1}", keys[i]));
        foreach (string t in parse.GetValue(o.Tenant) ?? []) tenants.Add(TenantSpec.Parse(t));
        if (tenants.Count == 0) tenants.Add(new TenantSpec("default", null));

        var every = parse.GetValue(o.BurstEvery);
        var length = parse.GetValue(o.BurstDuration);
        var start = parse.GetValue(o.BurstStart);
        BurstWindows? bursts = null;
        if (every is not null || length is not null || start is not null)
        {
            if (every is null || length is null) throw new UsageException("bursts need both --burst-every and --burst-duration");
            bursts = new BurstWindows(every.Value, length.Value, start ?? every.Value);
        }

        IReadOnlyList<TraceEntry>? trace = null;
        if (parse.GetValue(o.Trace) is { } traceFile) trace = TraceFile.Load(traceFile.FullName);
        var prompts = parse.GetValue(o.PromptFile) is { } pf ? PromptBuilder.FromFile(pf.FullName) : PromptBuilder.Synthetic;
        var shed = parse.GetValue(o.ShedStatus) is { Length: > 0 } statuses ? statuses.ToHashSet() : new HashSet<int> { 429 };
        double timeout = parse.GetValue(o.Timeout);
        if (!(timeout > 0) || !double.IsFinite(timeout)) throw new UsageException($"--timeout must be a positive number of seconds, got {timeout}");

        var options = new LoadTestOptions
        {
            BaseUrl = baseUrl,
            Tenants = tenants,
            Model = parse.GetValue(o.Model),
            Endpoint = parse.GetValue(o.Endpoint) == "chat" ? ApiEndpoint.Chat : ApiEndpoint.Completions,
            Duration = parse.GetValue(o.Duration),
            Requests = parse.GetValue(o.Requests),
            Rate = parse.GetValue(o.Rate),
            BurstRate = parse.GetValue(o.BurstRate),
            Bursts = bursts,
            PromptTokens = TokenDistribution.Parse(parse.GetValue(o.PromptTokens)!, "--prompt-tokens"),
            OutputTokens = TokenDistribution.Parse(parse.GetValue(o.OutputTokens)!, "--output-tokens"),
            Prompts = prompts,
            Trace = trace,
            TraceSpeed = parse.GetValue(o.TraceSpeed),
            ConcurrencyLimit = parse.GetValue(o.ConcurrencyLimit),
            Seed = parse.GetValue(o.Seed) ?? Random.Shared.Next(),
            Timeout = TimeSpan.FromSeconds(timeout),
            Warmup = parse.GetValue(o.Warmup),
            RetryShed = parse.GetValue(o.RetryShed),
            MaxRetries = parse.GetValue(o.MaxRetries),
            ShedStatuses = shed,
            IgnoreEos = parse.GetValue(o.IgnoreEos),
        };
        options.Validate();
        return options;
    }

    /// <summary>Parses a `cinder loadtest ...` command line into the run's settings (for tests), without running it.</summary>
    internal static LoadTestOptions ParseOptions(params string[] args)
    {
        var o = new Options();
        o.Endpoint.AcceptOnlyFromAmong("completions", "chat");
        var command = new RootCommand();
        foreach (var option in o.All()) command.Options.Add(option);
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0) throw new UsageException(parse.Errors[0].Message);
        return BuildOptions(parse, o);
    }

    private static string Describe(LoadTestOptions o)
    {
        var c = CultureInfo.InvariantCulture;
        string what = o.Trace is not null
            ? $"trace of {o.Trace.Count} requests{(o.TraceSpeed != 1 ? string.Format(c, " at {0}x speed", o.TraceSpeed) : "")}"
            : string.Format(c, "Poisson arrivals at {0} req/s", o.Rate?.ToString(c) ?? "per-tenant rates") +
              (o.Bursts is { } b ? string.Format(c, ", bursts of {0} s every {1} s from {2} s at {3} req/s", b.Duration, b.Every, b.Start, o.BurstRate?.ToString(c) ?? "per-tenant rates") : "");
        string end = (o.Duration, o.Requests) switch
        {
            ({ } d, { } n) => string.Format(c, "{0} s or {1} request{2}", d, n, n == 1 ? "" : "s"),
            ({ } d, null) => string.Format(c, "{0} s", d),
            (null, { } n) => string.Format(c, "{0} request{1}", n, n == 1 ? "" : "s"),
            _ => "to the end of the trace",
        };
        return $"loadtest: {what}; {end}{(o.Warmup > 0 ? string.Format(c, " after {0} s warm-up", o.Warmup) : "")}; " +
               $"{o.Tenants.Count} tenant{(o.Tenants.Count == 1 ? "" : "s")} ({string.Join(", ", o.Tenants.Select(t => t.Name))}); " +
               $"prompt {o.PromptTokens}, output {o.OutputTokens}; seed {o.Seed}";
    }

    /// <summary>The report as tables: requests and throughput, then latency percentiles, then errors and client lag.</summary>
    internal static void Render(IAnsiConsole console, LoadTestReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = r.Tenants.Count > 1 ? [r.Overall, .. r.Tenants] : new[] { r.Overall };
        string model = r.Config.Model is null ? "" : $", model {r.Config.Model}";
        var counts = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"loadtest: {r.Config.Endpoint}{model}, window {r.MeasuredWindowS.ToString("F1", c)} s{(r.Interrupted ? $" (interrupted, {r.Overall.Cancelled} cancelled)" : "")}"));
        counts.AddColumn("tenant");
        foreach (string h in new[] { "sent", "ok", "shed", "errors", "shed %", "req/s", "out tok/s", "prompt tok req/actual" })
            counts.AddColumn(new TableColumn(h).RightAligned());
        foreach (var t in rows)
        {
            counts.AddRow(Markup.Escape(t.Tenant), t.Sent.ToString(c), t.Ok.ToString(c), t.Shed.ToString(c), t.Errors.ToString(c),
                (t.ShedRate * 100).ToString("F1", c), t.RequestsPerS.ToString("F2", c), t.OutputTokensPerS.ToString("F1", c),
                $"{Num(t.PromptTokensRequestedMean, "F0")} / {Num(t.PromptTokensActualMean, "F0")}");
        }
        console.Write(counts);

        var latency = new Table().Border(TableBorder.Rounded).Title("latency, ms: p50 / p95 / p99");
        latency.AddColumn("tenant");
        foreach (string h in new[] { "TTFT", "TPOT", "ITL", "end-to-end" }) latency.AddColumn(new TableColumn(h).RightAligned());
        foreach (var t in rows)
            latency.AddRow(Markup.Escape(t.Tenant), Triple(t.TtftMs), Triple(t.TpotMs), Triple(t.ItlMs), Triple(t.E2eMs));
        console.Write(latency);

        foreach (var t in rows)
        {
            foreach (var (kind, count) in t.ErrorsByKind)
                console.WriteLine($"{t.Tenant}: {count} × {kind}{(t.ErrorExamples.TryGetValue(kind, out var m) ? $": {m}" : "")}", Style.Plain);
        }
        var o = r.Overall;
        if (o.ShedResponses > 0)
        {
            console.WriteLine($"shed responses: {o.ShedResponses}, retries: {o.Retries}, Retry-After p50 {Num(o.RetryAfterS.P50, "F2")} s" +
                              $" (missing on {o.RetryAfterMissing}), refused in p50 {Num(o.ShedLatencyMs.P50, "F1")} ms", Style.Plain);
        }
        var lag = r.Client.ScheduleLagMs;
        console.WriteLine($"client: schedule lag p50 {Num(lag.P50, "F1")} / p99 {Num(lag.P99, "F1")} / max {Num(lag.Max, "F1")} ms; " +
                          $"max in flight {r.Client.MaxInFlight}; waited for a slot: {r.Client.WaitedForSlot}; warm-up requests: {r.Client.WarmupRequests}", Style.Plain);
        if (r.Client.WaitedForSlot > 0 || (lag.P99 ?? 0) > 50)
            console.WriteLine("warning: the client fell behind its schedule (see --concurrency-limit); the offered load was lower than asked", Style.Plain);
    }

    private static string Triple(LatencySummary s) => s.Count == 0 ? "-" : $"{Num(s.P50, "F1")} / {Num(s.P95, "F1")} / {Num(s.P99, "F1")}";

    private static string Num(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
}
