using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cinder.Server.Tests;

/// <summary>Tenants under load: concurrency, 429s with Retry-After for a tenant over its limits (never 5xx), disconnects, metrics.</summary>
[Collection(ServerCollection.Name)]
public sealed class TenantTests(ServerFixture fixture)
{
    [Fact]
    public async Task ConcurrentClientsGetTheSameAnswersAsAlone()
    {
        string[] prompts = ["Once upon a time", "Lily and Tom went to the park", "The little dog", "One day, a cat", "Tom had a red ball", "The sun was", "Mom said", "A big bird"];
        object Request(string p) => new { prompt = p, max_tokens = 40, temperature = 0, ignore_eos = true };
        var alone = new List<string>();
        foreach (var p in prompts) alone.Add((string)(await fixture.PostAsync("/v1/completions", Request(p))).Body!["choices"]![0]!["text"]!);
        // Twice as many clients as --parallel: half wait in the queue, and everyone is served.
        var together = await Task.WhenAll(prompts.Select((p, i) => fixture.PostAsync("/v1/completions", Request(p), i % 2 == 0 ? ServerFixture.KeyA : ServerFixture.KeyB)));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(200, together[i].Status);
            Assert.Equal(alone[i], (string?)together[i].Body!["choices"]![0]!["text"]);
        }
    }

    [Fact]
    public async Task AFloodingTenantGets429WithRetryAfterWhileAnotherTenantIsServed()
    {
        var flood = Enumerable.Range(0, 12).Select(_ =>
            fixture.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 100, temperature = 0, ignore_eos = true }, ServerFixture.KeyFlood)).ToArray();
        var others = Enumerable.Range(0, 3).Select(_ =>
            fixture.PostAsync("/v1/completions", new { prompt = "The little dog", max_tokens = 20, temperature = 0 }, ServerFixture.KeyB)).ToArray();
        var floodResults = await Task.WhenAll(flood);
        var otherResults = await Task.WhenAll(others);

        Assert.All(otherResults, r => Assert.Equal(200, r.Status));
        Assert.All(floodResults, r => Assert.True(r.Status is 200 or 429, $"flood answered {r.Status}: {r.Body}"));
        Assert.Contains(floodResults, r => r.Status == 200);
        var refused = floodResults.Where(r => r.Status == 429).ToList();
        Assert.NotEmpty(refused);
        foreach (var (_, body, response) in refused)
        {
            var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
            Assert.True(int.TryParse(retryAfter, out int seconds) && seconds >= 1, $"Retry-After: {retryAfter}");
            var error = body!["error"]!;
            Assert.Equal("rate_limit_exceeded", (string?)error["type"]);
            Assert.Equal("max_concurrent", (string?)error["code"]);
            Assert.Contains("flood", (string)error["message"]!);
        }
        var metrics = await fixture.MetricsAsync();
        Assert.Equal(refused.Count, ServerFixture.Sample(metrics, "cinder_requests_rejected_total{tenant=\"flood\",reason=\"TenantConcurrency\"}"));
    }

    [Fact]
    public async Task ATenantOverItsTokensPerMinuteGets429NamingThatLimit()
    {
        // 60 tokens a minute: the first prompt (about 40 tokens with the chat template) is paid, the second is not.
        object Request() => new { messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 2 };
        var first = await fixture.PostAsync("/v1/chat/completions", Request(), ServerFixture.KeyMetered);
        Assert.Equal(200, first.Status);
        var second = await fixture.PostAsync("/v1/chat/completions", Request(), ServerFixture.KeyMetered);
        Assert.Equal(429, second.Status);
        Assert.Equal("tokens_per_minute", (string?)second.Body!["error"]!["code"]);
        Assert.Equal("rate_limit_exceeded", (string?)second.Body!["error"]!["type"]);
        var retryAfter = int.Parse(Assert.Single(second.Response.Headers.GetValues("Retry-After")));
        Assert.InRange(retryAfter, 1, 60);
        // Another tenant is not affected.
        Assert.Equal(200, (await fixture.PostAsync("/v1/chat/completions", Request(), ServerFixture.KeyB)).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a reset (a killed client): the failed write, not the abort signal, is what the server sees first
    public async Task AClientThatDisconnectsMidStreamFreesItsSlotWithinTwoSeconds(bool reset)
    {
        const int MaxTokens = 110;
        string before = await fixture.MetricsAsync();
        double cancelledBefore = ServerFixture.Sample(before, "cinder_requests_total{tenant=\"leaver\",status=\"cancelled\"}");
        double lengthBefore = ServerFixture.Sample(before, "cinder_requests_total{tenant=\"leaver\",status=\"length\"}");
        double tokensBefore = ServerFixture.Sample(before, "cinder_generated_tokens_total{tenant=\"leaver\"}");
        // Three other streams keep the engine busy, so the leaver's generation would last long enough to see it stopped.
        var load = Enumerable.Range(0, 3).Select(_ => fixture.PostAsync("/v1/completions",
            new { prompt = "The little dog", max_tokens = 120, temperature = 0, ignore_eos = true }, ServerFixture.KeyA)).ToArray();
        // A client that goes away after the first event: a plain socket, closed (HttpClient would instead read the rest
        // of the response to keep the connection for reuse).
        string body = System.Text.Json.JsonSerializer.Serialize(new { prompt = "Once upon a time", max_tokens = MaxTokens, temperature = 0, ignore_eos = true, stream = true });
        using (var socket = new System.Net.Sockets.TcpClient())
        {
            await socket.ConnectAsync(fixture.BaseAddress.Host, fixture.BaseAddress.Port);
            var stream = socket.GetStream();
            var request = $"POST /v1/completions HTTP/1.1\r\nHost: {fixture.BaseAddress.Authority}\r\nAuthorization: Bearer {ServerFixture.KeyLeaver}\r\n" +
                          $"Content-Type: application/json\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request));
            var received = new System.Text.StringBuilder();
            var buffer = new byte[4096];
            while (!received.ToString().Contains("data: {", StringComparison.Ordinal))
            {
                int n = await stream.ReadAsync(buffer);
                Assert.True(n > 0, $"the server closed the connection: {received}");
                received.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            }
            Assert.StartsWith("HTTP/1.1 200", received.ToString());
            if (reset) socket.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0); // close with RST
        }
        var clock = Stopwatch.StartNew();
        string metrics;
        do
        {
            await Task.Delay(25);
            metrics = await fixture.MetricsAsync();
        }
        while (ServerFixture.Sample(metrics, "cinder_requests_total{tenant=\"leaver\",status=\"cancelled\"}") < cancelledBefore + 1 && clock.Elapsed < TimeSpan.FromSeconds(2));
        Assert.All(await Task.WhenAll(load), r => Assert.Equal(200, r.Status));
        do
        {
            metrics = await fixture.MetricsAsync();
            if (ServerFixture.Sample(metrics, "cinder_requests_running") == 0) break;
            await Task.Delay(25);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(2));
        Assert.True(ServerFixture.Sample(metrics, "cinder_requests_total{tenant=\"leaver\",status=\"cancelled\"}") == cancelledBefore + 1, $"after {clock.ElapsedMilliseconds} ms: " + string.Join(" ; ", metrics.Split('\n').Where(l => l.StartsWith("cinder_requests_total{tenant=\"leaver\"") || l.StartsWith("cinder_generated_tokens_total{tenant=\"leaver\"") || l.StartsWith("cinder_requests_running"))));
        Assert.Equal(0, ServerFixture.Sample(metrics, "cinder_requests_running"));
        Assert.Equal(lengthBefore, ServerFixture.Sample(metrics, "cinder_requests_total{tenant=\"leaver\",status=\"length\"}"));
        Assert.InRange(ServerFixture.Sample(metrics, "cinder_generated_tokens_total{tenant=\"leaver\"}") - tokensBefore, 1, MaxTokens - 1);

        // The server is healthy and serves the same tenant again.
        using var again = fixture.Http(ServerFixture.KeyLeaver);
        Assert.Equal(200, (int)(await again.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (await fixture.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 5 }, ServerFixture.KeyLeaver)).Status);
    }

    [Fact]
    public async Task MetricsExposeTheDocumentedNamesAndTypes()
    {
        await fixture.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 5 });
        var metrics = await fixture.MetricsAsync();
        (string Name, string Type)[] expected =
        [
            ("cinder_requests_running", "gauge"),
            ("cinder_requests_waiting", "gauge"),
            ("cinder_kv_cache_usage_ratio", "gauge"),
            ("cinder_time_to_first_token_seconds", "histogram"),
            ("cinder_time_per_output_token_seconds", "histogram"),
            ("cinder_e2e_request_latency_seconds", "histogram"),
            ("cinder_batch_size", "histogram"),
            ("cinder_prompt_tokens_total", "counter"),
            ("cinder_generated_tokens_total", "counter"),
            ("cinder_requests_total", "counter"),
            ("cinder_prefix_cache_hits_total", "counter"),
            ("cinder_preemptions_total", "counter"),
        ];
        foreach (var (name, type) in expected) Assert.Contains($"# TYPE {name} {type}\n", metrics);
        Assert.True(ServerFixture.Sample(metrics, "cinder_requests_total{tenant=\"team-a\",status=\"length\"}") >= 1);
        Assert.True(ServerFixture.Sample(metrics, "cinder_prompt_tokens_total{tenant=\"team-a\"}") >= 5);
        Assert.True(ServerFixture.Sample(metrics, "cinder_generated_tokens_total{tenant=\"team-a\"}") >= 5);
        Assert.True(ServerFixture.Sample(metrics, "cinder_time_to_first_token_seconds_count{tenant=\"team-a\"}") >= 1);
        Assert.True(ServerFixture.Sample(metrics, "cinder_batch_size_count") >= 1);
        // Every tenant of the keys file has its series from the start.
        Assert.Contains("cinder_prompt_tokens_total{tenant=\"metered\"}", metrics);
        Assert.Contains("cinder_preemptions_total{tenant=\"metered\"} 0", metrics);
    }
}
