namespace Cinder.LoadTest;

/// <summary>The settings of a run, echoed in the report so a result file says how it was made. Keys are never included.</summary>
public sealed record RunConfig
{
    public required string Url { get; init; }
    public required string Endpoint { get; init; }
    public required string? Model { get; init; }
    public required int Seed { get; init; }
    public required double? DurationS { get; init; }
    public required int? Requests { get; init; }
    public required double? Rate { get; init; }
    public required double? BurstRate { get; init; }
    public required double? BurstEveryS { get; init; }
    public required double? BurstDurationS { get; init; }
    public required double? BurstStartS { get; init; }
    public required string PromptTokens { get; init; }
    public required string OutputTokens { get; init; }
    public required bool PromptFile { get; init; }
    public required bool Trace { get; init; }
    public required double? TraceSpeed { get; init; }
    public required int ConcurrencyLimit { get; init; }
    public required double TimeoutS { get; init; }
    public required double WarmupS { get; init; }
    public required bool RetryShed { get; init; }
    public required int MaxRetries { get; init; }
    public required IReadOnlyList<int> ShedStatuses { get; init; }
    public required bool IgnoreEos { get; init; }
    public required IReadOnlyList<TenantConfig> Tenants { get; init; }
}
