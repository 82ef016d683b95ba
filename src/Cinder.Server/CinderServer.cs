using System.Net;
using Cinder.Server.Errors;
using Cinder.Server.Routing;
using Cinder.Server.Serving;
using Cinder.Server.Tenancy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cinder.Server;

/// <summary>
/// The OpenAI-compatible server: Kestrel with OpenAI's /v1 routes, /health and /metrics over one <see cref="ModelHost"/>.
/// <see cref="StartAsync"/> returns once the port listens; the model loads in the background (/health answers 503
/// until <see cref="WhenReady"/> completes). A shutdown is <see cref="DrainAsync"/> then <see cref="DisposeAsync"/>.
/// </summary>
/// <example>
/// <code>
/// await using var server = await CinderServer.StartAsync(new ServerOptions { Model = new() { ModelPath = "model.gguf" }, Port = 0 });
/// await server.WhenReady;
/// var client = new OpenAIClient(new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });
/// </code>
/// </example>
public sealed class CinderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerRuntime _runtime;
    private readonly Task _loading;
    private int _disposed;

    private CinderServer(WebApplication app, ServerRuntime runtime, Uri baseAddress)
    {
        _app = app;
        _runtime = runtime;
        BaseAddress = baseAddress;
        _runtime.Metrics.Attach(() => _runtime.Host?.Engine);
        _loading = Task.Run(LoadModel);
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8080/ (the actual port when 0 was asked for).</summary>
    public Uri BaseAddress { get; }

    public ServerStatus Status => _runtime.Status;

    /// <summary>Completes when the model is loaded and requests are served; faults with the load error.</summary>
    public Task WhenReady => _loading;

    /// <summary>The loaded model, or null while loading.</summary>
    public ModelHost? Model => _runtime.Host;

    /// <summary>/v1 requests being answered now.</summary>
    public int InFlightRequests => _runtime.InFlight;

    /// <summary>
    /// Checks the options, reads the API keys file (a bad one throws <see cref="ApiKeysFormatException"/> before anything
    /// listens), starts Kestrel and begins loading the model.
    /// </summary>
    public static async Task<CinderServer> StartAsync(ServerOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tenants = options.ApiKeysFile is { } file ? TenantDirectory.Load(file) : null;
        var address = ParseHost(options.Host);
        if (options.Port is < 0 or > 65535) throw new ServerConfigurationException($"--port must be between 0 and 65535, got {options.Port}");
        if (options.MaxRequestBodyBytes < 1024) throw new ServerConfigurationException($"the request body limit must be at least 1024 bytes, got {options.MaxRequestBodyBytes}");
        if (options.DrainTimeout < TimeSpan.Zero) throw new ServerConfigurationException("--drain-timeout cannot be negative");

        var runtime = new ServerRuntime(options, tenants);
        if (tenants is not null) runtime.Metrics.Publish(tenants.Tenants.Select(t => t.Name));
        else runtime.Metrics.Publish([Engine.Scheduling.TenantPolicy.Anonymous.Name]);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "Cinder.Server",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter((category, level) => level >= LogLevel.Warning);
        // The CLI owns SIGTERM/SIGINT (it drains first); the host must not stop by itself on a signal.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(runtime);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.Listen(address, options.Port);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(OpenAiRoutes.UnmatchedAsync);
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/v1"), v1 =>
        {
            v1.UseMiddleware<ApiKeyMiddleware>();
            v1.UseMiddleware<ServingGateMiddleware>();
        });
        OpenAiRoutes.Map(app, runtime);

        await app.StartAsync(cancellation).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address");
        var baseAddress = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        var server = new CinderServer(app, runtime, baseAddress);

        string keys = tenants is null ? "no API keys: every request is the anonymous tenant" : $"API keys: {tenants.KeyCount} keys of {tenants.Tenants.Count} tenants: {string.Join(", ", tenants.Tenants.Select(t => t.Name))}";
        options.Log?.Invoke($"listening on {baseAddress} ; {keys}");
        if (!IPAddress.IsLoopback(address) && tenants is null)
            options.Log?.Invoke($"warning: listening on {address}, beyond this machine, without --api-keys: anyone who can reach the port can use the server");
        return server;
    }

    private void LoadModel()
    {
        var options = _runtime.Options;
        try
        {
            options.Log?.Invoke($"loading model {options.Model.ModelPath}");
            var host = ModelHost.Load(options.Model, _runtime.Metrics);
            var model = host.Model;
            options.Log?.Invoke($"model '{host.ModelId}': {model.Architecture}, {model.LayerCount} layers, vocab {model.VocabSize}, context {host.ContextLength}" +
                (options.Model.ContextSize > model.ContextLength ? $" (--ctx-size {options.Model.ContextSize} is more than the model's {model.ContextLength})" : ""));
            options.Log?.Invoke($"engine: {host.Engine.Threads} threads, {host.Engine.Options.MaxRunning} parallel, KV cache {host.Engine.KvCapacity} tokens ({host.KvCacheBytes / (1024.0 * 1024):F1} MiB), queue {host.Engine.Options.MaxQueue}");
            options.Log?.Invoke($"chat template: {host.ChatTemplateDescription}");
            if (Volatile.Read(ref _disposed) != 0)
            {
                host.Dispose();
                return;
            }
            _runtime.Loaded(host);
            options.Log?.Invoke("ready");
        }
        catch (Exception e)
        {
            _runtime.Failed(e);
            throw;
        }
    }

    /// <summary>
    /// Begins a shutdown: /health and new /v1 requests answer 503 from now on, in-flight requests run on for up to
    /// <paramref name="timeout"/> (default <see cref="ServerOptions.DrainTimeout"/>), then whatever is left is cancelled.
    /// True when everything finished in time. The server keeps listening (answering 503) until disposed.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? _runtime.Options.DrainTimeout;
        _runtime.BeginDrain();
        _runtime.Host?.Engine.StopAccepting();
        _runtime.Options.Log?.Invoke($"draining: {_runtime.InFlight} requests in flight, waiting up to {limit.TotalSeconds:0.#} s");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_runtime.InFlight > 0 && clock.Elapsed < limit) await Task.Delay(20).ConfigureAwait(false);
        bool drained = _runtime.InFlight == 0;
        if (!drained)
        {
            _runtime.Options.Log?.Invoke($"drain timeout: cancelling {_runtime.InFlight} requests");
            await _runtime.Shutdown.CancelAsync().ConfigureAwait(false);
            // Cancelled sequences end at the engine's next step; give their responses a moment to close.
            var grace = System.Diagnostics.Stopwatch.StartNew();
            while (_runtime.InFlight > 0 && grace.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(20).ConfigureAwait(false);
        }
        return drained;
    }

    /// <summary>Stops listening and frees the model (without draining: call <see cref="DrainAsync"/> first for that).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_runtime.Shutdown.IsCancellationRequested) await _runtime.Shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            try
            {
                await _loading.ConfigureAwait(false);
            }
            catch
            {
                // A load failure was reported through WhenReady already.
            }
            _runtime.Host?.Dispose();
            _runtime.Shutdown.Dispose();
        }
    }

    private static IPAddress ParseHost(string host)
    {
        if (string.IsNullOrWhiteSpace(host)) throw new ServerConfigurationException("--host is empty");
        host = host.Trim();
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (host is "*" or "+") return IPAddress.IPv6Any;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address)) return address;
        throw new ServerConfigurationException($"--host '{host}' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0, :: or localhost)");
    }

    /// <summary>A host lifetime that ignores console signals: shutdown is the owner's call (after a drain).</summary>
    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
