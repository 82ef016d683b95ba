using System.Text.Json;

namespace Cinder.LoadTest.Tests;

/// <summary>
/// Timing-sensitive tests run alone: on two cores, CPU-bound tests in parallel starve the thread pool, a stalled client
/// reads several chunks at once, and the measured gaps collapse (a real effect of client load, not of the server).
/// </summary>
[CollectionDefinition(nameof(NetworkTests), DisableParallelization = true)]
public sealed class NetworkTests;

/// <summary>The load generator against <see cref="ScriptedOpenAiServer"/> (a scripted test double) over real loopback HTTP.</summary>
[Collection(nameof(NetworkTests))]
public class EndToEndTests
{
    private static LoadTestOptions Options(Uri url, IReadOnlyList<TenantSpec> tenants, Action<LoadTestOptionsBuilder>? edit = null)
    {
        var b = new LoadTestOptionsBuilder { Url = url, Tenants = tenants };
        edit?.Invoke(b);
        return b.Build();
    }

    [Fact]
    public async Task Two_tenants_one_shed_report_counts_latencies_and_usage()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(5));
        var o = Options(server.BaseUrl, [new TenantSpec("alice", "alice-key"), new TenantSpec("mallory", "shed-key")], b =>
        {
            b.Rate = 40;
            b.Requests = 40;
            b.Output = TokenDistribution.Parse("fixed:8", "--output-tokens");
            b.Prompt = TokenDistribution.Parse("uniform:10-20", "--prompt-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();

        Assert.Equal("stub-model", report.Config.Model);
        var all = report.Overall;
        var alice = report.Tenants.Single(t => t.Tenant == "alice");
        var mallory = report.Tenants.Single(t => t.Tenant == "mallory");
        Assert.Equal(40, all.Sent);
        Assert.Equal(all.Sent, alice.Sent + mallory.Sent);
        Assert.True(alice.Sent > 5 && mallory.Sent > 5, $"shares should split 40 requests, got {alice.Sent}/{mallory.Sent}");
        Assert.Equal(alice.Sent, alice.Ok);
        Assert.Equal(0, alice.Shed);
        Assert.Equal(mallory.Sent, mallory.Shed);
        Assert.Equal(0, mallory.Ok);
        Assert.Equal(0, all.Errors);
        Assert.Equal((double)mallory.Shed / all.Sent, all.ShedRate, 12);
        Assert.Equal(1.0, mallory.ShedRate);
        Assert.Equal(mallory.Shed, mallory.RetryAfterS.Count);
        Assert.Equal(2.0, mallory.RetryAfterS.P50);
        Assert.Equal(0, mallory.RetryAfterMissing);
        Assert.Equal(0, all.Retries);

        // Every successful request generated exactly max_tokens (reported by usage), and the timings follow the script.
        Assert.Equal(8L * alice.Ok, alice.OutputTokens);
        Assert.Equal(alice.OutputTokensRequested, alice.OutputTokens);
        Assert.Equal(alice.Ok, alice.TtftMs.Count);
        // .NET timers may fire a tick or two early, so the bounds leave 10-30 % below the scripted delays.
        Assert.True(alice.TtftMs.Min >= 35, $"TTFT below the scripted 40 ms: {alice.TtftMs.Min}");
        Assert.True(alice.TpotMs.P50 >= 3.5 && alice.TpotMs.P50 < 60, $"TPOT p50 {alice.TpotMs.P50} ms, scripted 5 ms");
        Assert.True(alice.E2eMs.Min > alice.TtftMs.Min);
        Assert.Equal(7 * alice.Ok, alice.ItlMs.Count);
        Assert.True(alice.PromptTokensRequestedMean is >= 10 and <= 20);
        Assert.Equal(alice.PromptTokensRequestedMean!.Value + 1, alice.PromptTokensActualMean!.Value, 9); // the stub adds a BOS
        Assert.True(report.MeasuredWindowS > 0);
        Assert.Equal(alice.OutputTokens / report.MeasuredWindowS, alice.OutputTokensPerS, 9);
        Assert.Equal(alice.OutputTokensPerS, all.OutputTokensPerS, 9);
        Assert.True(report.Client.MaxInFlight >= 1);

        // What went over the wire: streaming with usage, ignore_eos, the tenant's key, the discovered model.
        var bodies = server.Received.ToArray();
        Assert.Equal(40, bodies.Length);
        Assert.All(bodies, b =>
        {
            Assert.Equal("/v1/completions", b.Path);
            Assert.True(b.Body.GetProperty("stream").GetBoolean());
            Assert.True(b.Body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.True(b.Body.GetProperty("ignore_eos").GetBoolean());
            Assert.Equal(8, b.Body.GetProperty("max_tokens").GetInt32());
            Assert.Equal("stub-model", b.Body.GetProperty("model").GetString());
            Assert.Contains(b.Authorization, new[] { "Bearer alice-key", "Bearer shed-key" });
        });
        Assert.Equal(alice.Sent, bodies.Count(b => b.Authorization == "Bearer alice-key"));
        // Prompts differ from one request to the next (no shared prefix for a cache to exploit).
        Assert.True(bodies.Select(b => b.Body.GetProperty("prompt").GetString()).Distinct().Count() >= 38);
    }

    [Fact]
    public async Task Chat_endpoint_streams_deltas_and_reports_tokens()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(2));
        var o = Options(server.BaseUrl, [new TenantSpec("default", null)], b =>
        {
            b.Endpoint = ApiEndpoint.Chat;
            b.Model = "my-model";
            b.Rate = 50;
            b.Requests = 10;
            b.Output = TokenDistribution.Parse("fixed:5", "--output-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();
        Assert.Equal(10, report.Overall.Ok);
        Assert.Equal(50, report.Overall.OutputTokens);
        Assert.Equal(10, report.Overall.TpotMs.Count);
        var b = server.Received.First();
        Assert.Equal("/v1/chat/completions", b.Path);
        Assert.Null(b.Authorization);
        Assert.Equal("my-model", b.Body.GetProperty("model").GetString());
        Assert.Equal("user", b.Body.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Errors_are_categorised_401_midstream_and_timeout()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1));
        var o = Options(server.BaseUrl, [new TenantSpec("bad", "bad-key"), new TenantSpec("broken", "broken-key"), new TenantSpec("slow", "slow-key"),
            new TenantSpec("evt", "event-error-key"), new TenantSpec("cut", "truncate-key"), new TenantSpec("json", "json-key")], b =>
        {
            b.Rate = 120;
            b.Requests = 24;
            b.Timeout = TimeSpan.FromMilliseconds(1500); // long enough for the others on a busy machine, far below the 10 s stall
            b.Output = TokenDistribution.Parse("fixed:6", "--output-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();
        string kinds = string.Join(", ", report.Tenants.Select(t => $"{t.Tenant}: " + string.Join(" ", t.ErrorsByKind.Select(k => $"{k.Key}={k.Value} ({t.ErrorExamples.GetValueOrDefault(k.Key)})"))));
        Assert.True(report.Overall.Errors == 24 && report.Overall.Ok == 0, kinds);
        Assert.All(report.Tenants, t => Assert.True(t.ErrorsByKind.Count == 1, kinds));
        var bad = report.Tenants.Single(t => t.Tenant == "bad");
        var broken = report.Tenants.Single(t => t.Tenant == "broken");
        var slow = report.Tenants.Single(t => t.Tenant == "slow");
        Assert.Equal(bad.Sent, bad.ErrorsByKind.GetValueOrDefault("http_401"));
        Assert.Equal("invalid api key", bad.ErrorExamples["http_401"]);
        Assert.Equal(broken.Sent, broken.ErrorsByKind.GetValueOrDefault("stream_error"));
        Assert.Equal("engine failed mid-stream", broken.ErrorExamples["stream_error"]);
        Assert.Equal(slow.Sent, slow.ErrorsByKind.GetValueOrDefault("timeout"));
        var evt = report.Tenants.Single(t => t.Tenant == "evt");
        Assert.Equal(evt.Sent, evt.ErrorsByKind.GetValueOrDefault("stream_error"));
        Assert.Equal("overloaded", evt.ErrorExamples["stream_error"]);
        var cut = report.Tenants.Single(t => t.Tenant == "cut");
        Assert.Equal(cut.Sent, cut.ErrorsByKind.GetValueOrDefault("truncated"));
        var json = report.Tenants.Single(t => t.Tenant == "json");
        Assert.Equal(json.Sent, json.ErrorsByKind.GetValueOrDefault("not_streaming"));
        Assert.Equal("the server answered application/json, not text/event-stream", json.ErrorExamples["not_streaming"]);
        Assert.Equal(24, report.Tenants.Sum(t => t.Sent));
        Assert.Equal(1.0, report.Overall.ErrorRate);
    }

    [Fact]
    public async Task Retry_shed_honours_retry_after_and_counts_the_retry()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1));
        var o = Options(server.BaseUrl, [new TenantSpec("flaky", "flaky-key")], b =>
        {
            b.Rate = 50;
            b.Requests = 6;
            b.RetryShed = true;
            b.Output = TokenDistribution.Parse("fixed:3", "--output-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();
        var t = report.Overall;
        Assert.Equal(6, t.Ok);
        Assert.Equal(0, t.Shed);
        Assert.Equal(6, t.ShedResponses);
        Assert.Equal(6, t.Retries);
        Assert.Equal(0.1, t.RetryAfterS.Max!.Value, 9);
        // Latency counts from the first send, so it carries the 100 ms wait the server asked for.
        Assert.True(t.TtftMs.Min >= 100, $"TTFT {t.TtftMs.Min} ms should include the Retry-After wait");
    }

    [Fact]
    public async Task Concurrency_limit_caps_in_flight_requests_and_reports_the_lag()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(1));
        var o = Options(server.BaseUrl, [new TenantSpec("default", null)], b =>
        {
            b.Rate = 200;
            b.Requests = 10;
            b.ConcurrencyLimit = 2;
            b.Output = TokenDistribution.Parse("fixed:2", "--output-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();
        Assert.Equal(10, report.Overall.Ok);
        Assert.True(report.Client.MaxInFlight <= 2);
        Assert.True(server.MaxInFlight <= 2, $"server saw {server.MaxInFlight} at once");
        Assert.True(report.Client.WaitedForSlot > 0);
        Assert.True(report.Client.ScheduleLagMs.Max > 50, $"lag max {report.Client.ScheduleLagMs.Max} ms");
    }

    [Fact]
    public async Task Warmup_requests_are_sent_but_not_measured()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(1));
        var o = Options(server.BaseUrl, [new TenantSpec("default", null)], b =>
        {
            b.Rate = 40;
            b.Duration = 0.5;
            b.Warmup = 0.3;
            b.Output = TokenDistribution.Parse("fixed:2", "--output-tokens");
        });
        using var gen = new LoadGenerator(o);
        var report = await gen.RunAsync();
        int total = server.Received.Count;
        Assert.True(report.Client.WarmupRequests > 0, "some of ~12 warm-up arrivals expected");
        Assert.Equal(total, report.Client.WarmupRequests + report.Overall.Sent);
        Assert.Equal(report.Overall.Sent, report.Overall.Ok);
    }

    [Fact]
    public async Task Unreachable_server_fails_before_the_run_with_one_clear_line()
    {
        // Bind and release a port so nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var o = Options(new Uri($"http://127.0.0.1:{port}"), [new TenantSpec("default", null)], b => { b.Rate = 1; b.Requests = 1; });
        using var gen = new LoadGenerator(o);
        var e = await Assert.ThrowsAsync<LoadTestException>(() => gen.RunAsync());
        Assert.StartsWith($"cannot reach http://127.0.0.1:{port}/", e.Message);
    }

    [Fact]
    public async Task Cli_writes_the_json_report_with_the_documented_fields()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1));
        string output = Path.Combine(Path.GetTempPath(), $"cinder-loadtest-{Guid.NewGuid():N}.json");
        try
        {
            int code = await Cinder.Cli.CinderCli.BuildRootCommand().Parse([
                "loadtest", "--url", server.BaseUrl.ToString(), "--tenant", "a=k1", "--tenant", "b=shed-key,share=3",
                "--rate", "50", "--requests", "12", "--output-tokens", "fixed:3", "--prompt-tokens", "normal:20,5", "--seed", "7",
                "--output", output,
            ]).InvokeAsync();
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
            Assert.Equal(7, root.GetProperty("config").GetProperty("seed").GetInt32());
            Assert.Equal("normal:20,5", root.GetProperty("config").GetProperty("prompt_tokens").GetString());
            Assert.Equal(12, root.GetProperty("overall").GetProperty("sent").GetInt32());
            var tenants = root.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
            Assert.Equal(tenants["a"].GetProperty("sent").GetInt32(), tenants["a"].GetProperty("ok").GetInt32());
            Assert.Equal(tenants["b"].GetProperty("sent").GetInt32(), tenants["b"].GetProperty("shed").GetInt32());
            Assert.DoesNotContain("k1", File.ReadAllText(output)); // keys never reach a report
        }
        finally
        {
            File.Delete(output);
        }
    }
}
