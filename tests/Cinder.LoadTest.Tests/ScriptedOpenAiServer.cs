using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cinder.LoadTest.Tests;

/// <summary>
/// TEST DOUBLE of the network peer: a real Kestrel server on loopback that speaks just enough of the OpenAI streaming
/// protocol, with scripted delays and behaviours chosen by the API key, so the load generator's HTTP, SSE and timing
/// paths are exercised over real sockets. It is not Cinder's server and generates no text from a model.
/// </summary>
/// <remarks>
/// Keys: "shed-key" always gets 429 with Retry-After: 2; "flaky-key" gets 429 with Retry-After: 0.1 on the first
/// attempt of each prompt and a normal stream after; "broken-key" gets an error object after two tokens;
/// "event-error-key" an <c>event: error</c> after one; "truncate-key" a stream that just stops after two tokens;
/// "json-key" a 200 with a JSON body instead of a stream; "slow-key" no answer for 10 s; "bad-key" gets 401; anything else (or none) streams max_tokens chunks, one token each, after
/// <see cref="FirstTokenDelay"/> and then <see cref="TokenDelay"/> apart, then a finish chunk, a usage chunk and [DONE].
/// usage.prompt_tokens is the prompt's word count plus one (a BOS).
/// </remarks>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attemptsByPrompt = new();
    private int _inFlight, _maxInFlight;

    public TimeSpan FirstTokenDelay { get; init; } = TimeSpan.FromMilliseconds(30);

    public TimeSpan TokenDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Request bodies and Authorization headers received, in arrival order.</summary>
    public ConcurrentQueue<(string Path, string? Authorization, JsonElement Body)> Received { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public Uri BaseUrl { get; private set; } = null!;

    private ScriptedOpenAiServer(WebApplication app) => _app = app;

    public static async Task<ScriptedOpenAiServer> StartAsync(TimeSpan? firstTokenDelay = null, TimeSpan? tokenDelay = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOpenAiServer(app)
        {
            FirstTokenDelay = firstTokenDelay ?? TimeSpan.FromMilliseconds(30),
            TokenDelay = tokenDelay ?? TimeSpan.FromMilliseconds(5),
        };
        app.MapGet("/v1/models", () => Results.Text("{\"object\":\"list\",\"data\":[{\"id\":\"stub-model\",\"object\":\"model\"}]}", "application/json"));
        app.MapPost("/v1/completions", ctx => server.HandleAsync(ctx, chat: false));
        app.MapPost("/v1/chat/completions", ctx => server.HandleAsync(ctx, chat: true));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext ctx, bool chat)
    {
        int n = Interlocked.Increment(ref _inFlight);
        int max;
        while (n > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, n, max) != max)
        {
        }
        try
        {
            await ServeAsync(ctx, chat);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task ServeAsync(HttpContext ctx, bool chat)
    {
        var cancel = ctx.RequestAborted;
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: cancel);
        var body = doc.RootElement.Clone();
        string? auth = ctx.Request.Headers.Authorization.FirstOrDefault();
        Received.Enqueue((ctx.Request.Path.Value!, auth, body));
        string key = auth is { } a && a.StartsWith("Bearer ", StringComparison.Ordinal) ? a["Bearer ".Length..] : "";
        string prompt = chat ? body.GetProperty("messages")[0].GetProperty("content").GetString()! : body.GetProperty("prompt").GetString()!;
        int maxTokens = body.GetProperty("max_tokens").GetInt32();

        switch (key)
        {
            case "bad-key":
                await Error(ctx, 401, "invalid api key", "invalid_request_error", null);
                return;
            case "shed-key":
                ctx.Response.Headers.RetryAfter = "2";
                await Error(ctx, 429, "tenant over its rate limit", "rate_limit_exceeded", "rate_limit_exceeded");
                return;
            case "flaky-key" when _attemptsByPrompt.AddOrUpdate(prompt, 1, (_, c) => c + 1) == 1:
                ctx.Response.Headers.RetryAfter = "0.1";
                await Error(ctx, 429, "busy, try again", "rate_limit_exceeded", "rate_limit_exceeded");
                return;
            case "slow-key":
                await Task.Delay(TimeSpan.FromSeconds(10), cancel);
                return;
            case "json-key":
                await ctx.Response.WriteAsJsonAsync(new { id = "x", choices = Array.Empty<object>() }, cancel);
                return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.WriteAsync(": stub stream\n\n", cancel);
        await ctx.Response.Body.FlushAsync(cancel);
        string id = "cmpl-" + Guid.NewGuid().ToString("N")[..8];
        if (chat) await Event(ctx, $"{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\"}},\"finish_reason\":null}}]}}");
        await Task.Delay(FirstTokenDelay, cancel);
        for (int i = 0; i < maxTokens; i++)
        {
            if (i > 0) await Task.Delay(TokenDelay, cancel);
            if (key == "broken-key" && i == 2)
            {
                await Event(ctx, "{\"error\":{\"message\":\"engine failed mid-stream\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
                return;
            }
            if (key == "event-error-key" && i == 1)
            {
                await ctx.Response.WriteAsync("event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n", cancel);
                return;
            }
            if (key == "truncate-key" && i == 2) return; // the connection closes cleanly without a finish, usage or [DONE]
            string piece = JsonSerializer.Serialize($" w{i}");
            await Event(ctx, chat
                ? $"{{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{piece}}},\"finish_reason\":null}}]}}"
                : $"{{\"id\":\"{id}\",\"object\":\"text_completion\",\"choices\":[{{\"index\":0,\"text\":{piece},\"finish_reason\":null}}]}}");
        }
        await Event(ctx, chat
            ? $"{{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"length\"}}]}}"
            : $"{{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}}]}}");
        int promptTokens = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + 1;
        await Event(ctx, $"{{\"id\":\"{id}\",\"choices\":[],\"usage\":{{\"prompt_tokens\":{promptTokens},\"completion_tokens\":{maxTokens},\"total_tokens\":{promptTokens + maxTokens}}}}}");
        await Event(ctx, "[DONE]");
    }

    private static async Task Event(HttpContext ctx, string data)
    {
        await ctx.Response.WriteAsync($"data: {data}\n\n", Encoding.UTF8, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    private static Task Error(HttpContext ctx, int status, string message, string type, string? code)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        string c = code is null ? "null" : $"\"{code}\"";
        return ctx.Response.WriteAsync($"{{\"error\":{{\"message\":\"{message}\",\"type\":\"{type}\",\"param\":null,\"code\":{c}}}}}");
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
