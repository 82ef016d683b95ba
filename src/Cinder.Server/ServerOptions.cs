namespace Cinder.Server;

/// <summary>How a <see cref="CinderServer"/> listens and whom it serves (the serve command's flags).</summary>
public sealed record ServerOptions
{
    /// <summary>The model and engine settings.</summary>
    public required ModelHostOptions Model { get; init; }

    /// <summary>An IP address, "localhost", or "*" / "0.0.0.0" / "::" for every interface (--host).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port (--port); 0 picks a free one (see <see cref="CinderServer.BaseAddress"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>The tenants file (--api-keys); null serves everyone as the anonymous tenant without keys.</summary>
    public string? ApiKeysFile { get; init; }

    /// <summary>Largest request body accepted; larger ones get 413 (--max-body).</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>How long in-flight requests may run after a shutdown begins (--drain-timeout).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Startup and warning lines (the CLI writes them to stderr); null is silent.</summary>
    public Action<string>? Log { get; init; }
}
