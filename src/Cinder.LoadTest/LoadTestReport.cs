namespace Cinder.LoadTest;

/// <summary>The result of a run: settings, overall and per-tenant statistics, and the client's own timing.</summary>
public sealed record LoadTestReport
{
    /// <summary>Bumped when a field changes meaning or disappears (new fields may appear without a bump).</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>UTC time the run started, ISO 8601.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required RunConfig Config { get; init; }

    /// <summary>The run was stopped early (Ctrl+C); the numbers cover what finished.</summary>
    public required bool Interrupted { get; init; }

    /// <summary>Seconds from the first measured send to the end of the last measured request: the denominator of every rate.</summary>
    public required double MeasuredWindowS { get; init; }

    public required TenantReport Overall { get; init; }

    public required IReadOnlyList<TenantReport> Tenants { get; init; }

    public required ClientReport Client { get; init; }
}
