using System.Text.Json.Nodes;
using Cinder.TestSupport;

namespace Cinder.Server.Tests;

/// <summary>
/// Shutdown as SIGTERM runs it (<see cref="CinderServer.DrainAsync"/>): /health turns 503 at once, new requests get
/// 503, in-flight streams finish, and what outlives the drain timeout is cancelled with an error event.
/// Each test has its own server (a drained server serves no more).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class DrainTests
{
    private static async Task<CinderServer> StartAsync() => await StartedAsync(await CinderServer.StartAsync(new ServerOptions
    {
        Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 1 },
        Port = 0,
    }));

    private static async Task<CinderServer> StartedAsync(CinderServer server)
    {
        await server.WhenReady;
        return server;
    }

    // As long as the demo model's context allows: the longer a stream runs, the surer it is in flight when the drain begins.
    private static object LongStream => new { prompt = "Once", max_tokens = 126, temperature = 0, ignore_eos = true, stream = true };

    /// <summary>A stream's outcome: its events when the server accepted it, or the status it was refused with.</summary>
    private sealed record Outcome(int Status, List<string> Events, string? Body);

    /// <summary>
    /// Opens <paramref name="count"/> streams at once: with --parallel 1 one generates and the others queue (those that
    /// reach the server after the drain began get 503 instead). Returns once one is queued behind a running one: a
    /// queued request needs a whole generation after the running one ends, so it is surely unfinished when a drain
    /// starts right away.
    /// </summary>
    private static async Task<(HttpClient Http, Task<Outcome>[] Streams)> OpenStreamsAsync(CinderServer server, int count)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        async Task<Outcome> Open()
        {
            using var response = await Sse.OpenAsync(http, "/v1/completions", LongStream);
            if ((int)response.StatusCode != 200) return new Outcome((int)response.StatusCode, [], await response.Content.ReadAsStringAsync());
            return new Outcome(200, await Sse.ReadAllAsync(response), null);
        }
        var streams = Enumerable.Range(0, count).Select(_ => Open()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (server.Model!.Engine.WaitingCount < 1 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(1);
        return (http, streams);
    }

    private static void AssertRefusedAsShuttingDown(Outcome outcome)
    {
        Assert.Equal(503, outcome.Status);
        Assert.Equal("shutting_down", (string?)JsonNode.Parse(outcome.Body!)!["error"]!["code"]);
    }

    [Fact]
    public async Task DrainingAnswers503ToHealthAndNewRequestsWhileInFlightStreamsFinish()
    {
        await using var server = await StartAsync();
        var (http, streams) = await OpenStreamsAsync(server, 6);
        using (http)
        {
            int waiting = server.Model!.Engine.WaitingCount;
            var drain = server.DrainAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(ServerStatus.Draining, server.Status);
            Assert.True(waiting >= 1, "no request was queued when the drain began");

            using var health = await http.GetAsync("/health");
            Assert.Equal(503, (int)health.StatusCode);
            Assert.Equal("draining", (string?)JsonNode.Parse(await health.Content.ReadAsStringAsync())!["status"]);
            using var refused = await http.PostAsync("/v1/completions", ServerFixture.Json(new { prompt = "Hi", max_tokens = 2 }));
            Assert.Equal(503, (int)refused.StatusCode);
            var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("shutting_down", (string?)error["code"]);
            Assert.Equal("service_unavailable", (string?)error["type"]);

            // Every stream the server had accepted runs to its end, the queued ones included.
            var outcomes = await Task.WhenAll(streams);
            foreach (var outcome in outcomes)
            {
                if (outcome.Status != 200)
                {
                    AssertRefusedAsShuttingDown(outcome);
                    continue;
                }
                Assert.Equal("[DONE]", outcome.Events[^1]);
                Assert.Equal("length", Sse.FinishReason(outcome.Events));
            }
            Assert.True(outcomes.Count(o => o.Status == 200) >= 2, "the running and the queued stream both finish");
            Assert.True(await drain);
            Assert.Equal(0, server.InFlightRequests);
            Assert.Equal(503, (int)(await http.GetAsync("/health")).StatusCode);
        }
    }

    [Fact]
    public async Task WhatOutlivesTheDrainTimeoutIsCancelledWithAnErrorEvent()
    {
        await using var server = await StartAsync();
        var (http, streams) = await OpenStreamsAsync(server, 6);
        using (http)
        {
            int waiting = server.Model!.Engine.WaitingCount;
            var drained = await server.DrainAsync(TimeSpan.Zero);
            Assert.True(waiting >= 1, "no request was queued when the drain began");
            Assert.False(drained);
            Assert.Equal(0, server.InFlightRequests);
            Assert.Equal(0, server.Model!.Engine.RunningCount + server.Model.Engine.WaitingCount);
            int cut = 0;
            foreach (var outcome in await Task.WhenAll(streams))
            {
                if (outcome.Status != 200)
                {
                    AssertRefusedAsShuttingDown(outcome);
                    continue;
                }
                if (outcome.Events[^1] == "[DONE]") continue; // finished before the drain
                Assert.Equal("shutting_down", (string?)JsonNode.Parse(outcome.Events[^1])!["error"]!["code"]);
                cut++;
            }
            Assert.True(cut >= 1, "no stream was cut short");
        }
    }
}
