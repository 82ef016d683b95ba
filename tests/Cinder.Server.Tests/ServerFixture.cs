using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cinder.TestSupport;
using OpenAI;

namespace Cinder.Server.Tests;

/// <summary>
/// One real server for the whole collection: Kestrel on a free loopback port, the demo model, and an API keys file
/// with a few tenants. Tests talk to it over HTTP only (the OpenAI SDK, Microsoft.Extensions.AI, raw HttpClient).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string Model = "stories260K";
    public const string KeyA = "sk-team-a-0123456789";
    public const string KeyA2 = "sk-team-a-second-key";
    public const string KeyB = "sk-team-b-0123456789";
    public const string KeyFlood = "sk-flood-0123456789";
    public const string KeyMetered = "sk-metered-012345678";
    public const string KeyLeaver = "sk-leaver-012345678";
    public const long MaxBody = 64 * 1024;

    private readonly string _dir = SharedData.NewTempDirectory("cinder-server");

    public CinderServer Server { get; private set; } = null!;

    /// <summary>Every line the server logged (tests check that no key ever appears).</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public Uri BaseAddress => Server.BaseAddress;

    public Uri V1 => new(Server.BaseAddress, "v1");

    public async Task InitializeAsync()
    {
        string keys = Path.Combine(_dir, "keys.json");
        File.WriteAllText(keys, $$"""
            {"tenants": [
              {"name": "team-a", "keys": ["{{KeyA}}", "{{KeyA2}}"], "weight": 1, "max_concurrent": 16},
              {"name": "team-b", "keys": ["{{KeyB}}"], "weight": 2},
              {"name": "flood", "keys": ["{{KeyFlood}}"], "max_concurrent": 1},
              {"name": "metered", "keys": ["{{KeyMetered}}"], "tokens_per_minute": 60},
              {"name": "leaver", "keys": ["{{KeyLeaver}}"]}
            ]}
            """);
        Server = await CinderServer.StartAsync(new ServerOptions
        {
            Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 4 },
            Port = 0,
            ApiKeysFile = keys,
            MaxRequestBodyBytes = MaxBody,
            Log = Log.Enqueue,
        });
        await Server.WhenReady;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The official OpenAI client, without retries (a 429 or 5xx must reach the test as it is).</summary>
    public OpenAIClient OpenAi(string key = KeyA) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = V1,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    public HttpClient Http(string? key = KeyA)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => Json(JsonSerializer.Serialize(body));

    /// <summary>POSTs and returns the status and the parsed body.</summary>
    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(string path, object body, string? key = KeyA)
    {
        using var http = Http(key);
        var response = await http.PostAsync(path, body as HttpContent ?? Json(body));
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    /// <summary>The Prometheus text exposition, one sample per line.</summary>
    public async Task<string> MetricsAsync()
    {
        using var http = Http(null);
        return await http.GetStringAsync("/metrics");
    }

    /// <summary>The value of one sample, e.g. <c>cinder_requests_total{tenant="flood",status="rejected"}</c>; 0 when absent.</summary>
    public static double Sample(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
