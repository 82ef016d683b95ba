using System.Text.Json;

namespace Cinder.LoadTest.Tests;

/// <summary>The report from hand-made results: counts, the measured window, rates, TPOT, and the pinned JSON schema.</summary>
public class ReportTests
{
    private static readonly LoadTestOptions Opts = new()
    {
        BaseUrl = new Uri("http://127.0.0.1:8080"),
        Tenants = [new TenantSpec("a", "ka"), new TenantSpec("b", "kb")],
        Rate = 2,
        Duration = 10,
        Warmup = 1,
        Seed = 5,
    };

    private static RequestResult Ok(int tenant, double time, double sent, double ttft, double e2e, int tokens, int prompt = 100, int? usagePrompt = 101, double[]? gaps = null)
    {
        var r = new RequestResult
        {
            Plan = new PlannedRequest(0, time, tenant, prompt, null, tokens, time < 1),
            Outcome = RequestOutcome.Ok,
            Status = 200,
            SentAt = sent,
            EndedAt = sent + e2e,
            DispatchLag = sent - time,
            Attempts = 1,
            Ttft = ttft,
            EndToEnd = e2e,
            UsageCompletionTokens = tokens,
            UsagePromptTokens = usagePrompt,
        };
        r.ChunkGaps.AddRange(gaps ?? []);
        return r;
    }

    private static RequestResult Other(int tenant, double time, RequestOutcome outcome, string? kind = null, string? message = null, double? retryAfter = null)
    {
        var r = new RequestResult
        {
            Plan = new PlannedRequest(0, time, tenant, 50, null, 10, time < 1),
            Outcome = outcome,
            ErrorKind = kind,
            ErrorMessage = message,
            SentAt = time,
            EndedAt = time + 0.01,
            EndToEnd = 0.01,
            Attempts = 1,
        };
        if (outcome == RequestOutcome.Shed)
        {
            r.ShedResponses = 1;
            if (retryAfter is { } ra) r.RetryAfter.Add(ra);
            else r.RetryAfterMissing = 1;
        }
        return r;
    }

    private static LoadTestReport Sample() => ReportBuilder.Build(Opts, "m", new List<RequestResult>
    {
        Ok(0, 0.5, 0.5, 0.1, 5.0, 100),                          // warm-up: left out
        Ok(0, 2.0, 2.0, 0.2, 2.2, 11, gaps: [0.2, 0.2]),        // TPOT (2.2 - 0.2) / 10 = 0.2
        Ok(0, 3.0, 3.1, 0.4, 1.4, 6, usagePrompt: 99),         // TPOT (1.4 - 0.4) / 5 = 0.2; lag 0.1
        Ok(1, 4.0, 4.0, 0.3, 0.3, 1),                           // one token: no TPOT
        Other(1, 5.0, RequestOutcome.Shed, retryAfter: 2),
        Other(1, 6.0, RequestOutcome.Shed),
        Other(1, 7.0, RequestOutcome.Error, "http_500", "boom"),
        Other(1, 8.0, RequestOutcome.Error, "http_500", "second"),
        Other(0, 9.0, RequestOutcome.Error, "timeout", "slow"),
        Other(0, 9.5, RequestOutcome.Cancelled),
    }, DateTimeOffset.UnixEpoch, interrupted: true, maxInFlight: 3);

    [Fact]
    public void Counts_rates_and_latencies_follow_the_definitions()
    {
        var r = Sample();
        var all = r.Overall;
        Assert.True(r.Interrupted);
        Assert.Equal(1, r.Client.WarmupRequests);
        Assert.Equal(8, all.Sent);
        Assert.Equal(3, all.Ok);
        Assert.Equal(2, all.Shed);
        Assert.Equal(3, all.Errors);
        Assert.Equal(1, all.Cancelled);
        Assert.Equal(0.25, all.ShedRate);
        Assert.Equal(0.375, all.ErrorRate);
        Assert.Equal(new Dictionary<string, int> { ["http_500"] = 2, ["timeout"] = 1 }, all.ErrorsByKind);
        Assert.Equal("boom", all.ErrorExamples["http_500"]);
        // Window: first measured send (2.0) to the last end (9.01, the timeout error).
        Assert.Equal(7.01, r.MeasuredWindowS, 9);
        Assert.Equal(18, all.OutputTokens);
        Assert.Equal(18, all.OutputTokensRequested);
        Assert.Equal(18 / 7.01, all.OutputTokensPerS, 9);
        Assert.Equal(3 / 7.01, all.RequestsPerS, 9);
        Assert.Equal(8 / 10.0, all.OfferedRequestsPerS!.Value, 9); // ended by time: sent / --duration
        Assert.Equal(2, all.TpotMs.Count);
        Assert.Equal(200, all.TpotMs.P50!.Value, 9);
        Assert.Equal(3, all.TtftMs.Count);
        Assert.Equal(300, all.TtftMs.P50!.Value, 9);
        Assert.Equal(2200, all.E2eMs.Max!.Value, 9);
        Assert.Equal(2, all.ItlMs.Count);
        Assert.Equal(2, all.ShedLatencyMs.Count);
        Assert.Equal(2.0, all.RetryAfterS.P50);
        Assert.Equal(1, all.RetryAfterMissing);
        Assert.Equal((101 + 99 + 101) / 3.0, all.PromptTokensActualMean!.Value, 9);
        Assert.Equal(100, all.PromptTokensRequestedMean!.Value, 9); // over the same successful requests as the actual mean
        Assert.Equal(100, r.Client.ScheduleLagMs.Max!.Value, 9);

        var a = r.Tenants[0];
        var b = r.Tenants[1];
        Assert.Equal(("a", 3, 2, 0, 1), (a.Tenant, a.Sent, a.Ok, a.Shed, a.Errors));
        Assert.Equal(("b", 5, 1, 2, 2), (b.Tenant, b.Sent, b.Ok, b.Shed, b.Errors));
        Assert.Equal(all.OutputTokensPerS, a.OutputTokensPerS + b.OutputTokensPerS, 9); // one window for all tenants
        Assert.Equal(0.4, b.ShedRate);
        Assert.Equal(0, b.TpotMs.Count);
        Assert.Equal(new[] { 1.0, 1.0 }, r.Config.Tenants.Select(t => t.Rate!.Value));
        Assert.DoesNotContain("ka", LoadTestJson.Serialize(r));
    }

    [Fact]
    public void Tokens_come_from_usage_else_from_counted_chunks_and_tpot_needs_two()
    {
        var r = Ok(0, 2, 2, 0.1, 1.1, 5);
        Assert.Equal(5, r.OutputTokens);
        Assert.Equal(0.25, r.Tpot!.Value, 12);
        r.UsageCompletionTokens = null;
        r.ContentChunks = 11;
        Assert.Equal(11, r.OutputTokens);
        Assert.Equal(0.1, r.Tpot!.Value, 12);
        r.ContentChunks = 1;
        Assert.Null(r.Tpot);
        r.ContentChunks = 11;
        r.Outcome = RequestOutcome.Error;
        Assert.Null(r.Tpot); // only successful requests have a TPOT
    }

    [Fact]
    public void Nothing_measured_gives_zeros_and_nulls_not_nan()
    {
        var r = ReportBuilder.Build(Opts, null, [], DateTimeOffset.UnixEpoch, false, 0);
        Assert.Equal(0, r.MeasuredWindowS);
        Assert.Equal(0, r.Overall.ShedRate);
        Assert.Equal(0, r.Overall.OutputTokensPerS);
        Assert.Null(r.Overall.OfferedRequestsPerS);
        Assert.Null(r.Overall.E2eMs.P99);
        string json = LoadTestJson.Serialize(r);
        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
    }

    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Json_field_names_are_the_documented_schema()
    {
        // This pins the schema documented in README "Load testing": changing a name here means bumping schema_version.
        var root = JsonDocument.Parse(LoadTestJson.Serialize(Sample())).RootElement;
        Assert.Equal(["schema_version", "started_at", "config", "interrupted", "measured_window_s", "overall", "tenants", "client"], Keys(root));
        Assert.Equal(["url", "endpoint", "model", "seed", "duration_s", "requests", "rate", "burst_rate", "burst_every_s", "burst_duration_s",
            "burst_start_s", "prompt_tokens", "output_tokens", "prompt_file", "trace", "trace_speed", "concurrency_limit", "timeout_s",
            "warmup_s", "retry_shed", "max_retries", "shed_statuses", "ignore_eos", "tenants"], Keys(root.GetProperty("config")));
        Assert.Equal(["name", "has_key", "share", "rate", "burst_rate"], Keys(root.GetProperty("config").GetProperty("tenants")[0]));
        string[] tenant = ["tenant", "sent", "ok", "shed", "errors", "cancelled", "shed_rate", "error_rate", "errors_by_kind", "error_examples",
            "shed_responses", "retries", "requests_per_s", "offered_requests_per_s", "output_tokens", "output_tokens_requested",
            "output_tokens_per_s", "prompt_tokens_requested_mean", "prompt_tokens_actual_mean", "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms",
            "shed_latency_ms", "retry_after_s", "retry_after_missing"];
        Assert.Equal(tenant, Keys(root.GetProperty("overall")));
        Assert.Equal(tenant, Keys(root.GetProperty("tenants")[1]));
        Assert.Equal(["count", "mean", "min", "p50", "p90", "p95", "p99", "max"], Keys(root.GetProperty("overall").GetProperty("ttft_ms")));
        Assert.Equal(["max_in_flight", "waited_for_slot", "schedule_lag_ms", "warmup_requests"], Keys(root.GetProperty("client")));
        Assert.Equal("all", root.GetProperty("overall").GetProperty("tenant").GetString());
        Assert.Equal(2, root.GetProperty("overall").GetProperty("errors_by_kind").GetProperty("http_500").GetInt32());
        Assert.Equal("1970-01-01T00:00:00+00:00", root.GetProperty("started_at").GetString());
    }

    [Fact]
    public void The_table_shows_every_tenant_with_counts_rates_and_percentiles()
    {
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        console.Profile.Width = 240;
        Cinder.Cli.Commands.LoadtestCommand.Render(console, Sample());
        string text = writer.ToString();
        string[] lines = text.Split('\n');
        string Row(string tenant) => lines.First(l => l.Contains($"│ {tenant} ", StringComparison.Ordinal));
        Assert.Matches(@"│ all +│ +8 │ +3 │ +2 │ +3 │ +25\.0 │ +0\.43 │ +2\.6 │ +100 / 100 │", Row("all"));
        Assert.Matches(@"│ b +│ +5 │ +1 │ +2 │ +2 │ +40\.0 │", Row("b"));
        Assert.Contains("window 7.0 s (interrupted, 1 cancelled)", text);
        Assert.Contains("all: 2 × http_500: boom", text);
        Assert.Contains("all: 1 × timeout: slow", text);
        Assert.Contains("shed responses: 2, retries: 0, Retry-After p50 2.00 s (missing on 1)", text);
        // Latency row for all: TTFT p50 300 ms, TPOT p50 200 ms.
        Assert.Matches(@"│ all +│ +300\.0 / [0-9.]+ / [0-9.]+ │ +200\.0 / 200\.0 / 200\.0 │", text);
        Assert.Contains("warning: the client fell behind its schedule", text);
    }
}
