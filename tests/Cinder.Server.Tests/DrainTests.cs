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

    private static object LongStream => new { prompt = "Once upon a time", max_tokens = 110, temperature = 0, ignore_eos = true, stream = true };

    /// <summary>Opens <paramref name="count"/> streams (one runs, the rest wait: --parallel 1) and waits for the first event of the first.</summary>
    private static async Task<(HttpClient Http, Task<List<string>>[] Streams)> OpenStreamsAsync(CinderServer server, int count)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var first = await Sse.OpenAsync(http, "/v1/completions", LongStream);
        var rest = Enumerable.Range(1, count - 1).Select(async _ => await Sse.ReadAllAsync(await Sse.OpenAsync(http, "/v1/completions", LongStream))).ToList();
        var events = Sse.ReadAsync(first).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        var firstEvent = events.Current;
        async Task<List<string>> RestOfFirst()
        {
            var all = new List<string> { firstEvent };
            while (await events.MoveNextAsync()) all.Add(events.Current);
            await events.DisposeAsync();
            first.Dispose();
            return all;
        }
        // Let the others reach the server's queue before the drain starts.
        while (server.InFlightRequests < count) await Task.Delay(5);
        return (http, [RestOfFirst(), .. rest]);
    }

    [Fact]
    public async Task DrainingAnswers503ToHealthAndNewRequestsWhileInFlightStreamsFinish()
    {
        await using var server = await StartAsync();
        var (http, streams) = await OpenStreamsAsync(server, 3);
        using (http)
        {
            int inFlight = server.InFlightRequests;
            var drain = server.DrainAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(ServerStatus.Draining, server.Status);
            Assert.True(inFlight >= 1, "nothing was in flight when the drain began");

            using var health = await http.GetAsync("/health");
            Assert.Equal(503, (int)health.StatusCode);
            Assert.Equal("draining", (string?)JsonNode.Parse(await health.Content.ReadAsStringAsync())!["status"]);
            using var refused = await http.PostAsync("/v1/completions", ServerFixture.Json(new { prompt = "Hi", max_tokens = 2 }));
            Assert.Equal(503, (int)refused.StatusCode);
            var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("shutting_down", (string?)error["code"]);
            Assert.Equal("service_unavailable", (string?)error["type"]);

            foreach (var events in await Task.WhenAll(streams))
            {
                Assert.Equal("[DONE]", events[^1]);
                Assert.Equal("length", Sse.FinishReason(events));
            }
            Assert.True(await drain);
            Assert.Equal(0, server.InFlightRequests);
            Assert.Equal(503, (int)(await http.GetAsync("/health")).StatusCode);
        }
    }

    [Fact]
    public async Task WhatOutlivesTheDrainTimeoutIsCancelledWithAnErrorEvent()
    {
        await using var server = await StartAsync();
        var (http, streams) = await OpenStreamsAsync(server, 3);
        using (http)
        {
            Assert.False(await server.DrainAsync(TimeSpan.Zero));
            var results = await Task.WhenAll(streams);
            Assert.Equal(0, server.InFlightRequests);
            Assert.Equal(0, server.Model!.Engine.RunningCount + server.Model.Engine.WaitingCount);
            int cut = 0;
            foreach (var events in results)
            {
                if (events[^1] == "[DONE]") continue;
                var error = JsonNode.Parse(events[^1])!["error"]!;
                Assert.Equal("shutting_down", (string?)error["code"]);
                cut++;
            }
            Assert.True(cut >= 2, $"{cut} of 3 streams were cut short"); // the two queued ones never started
        }
    }
}
