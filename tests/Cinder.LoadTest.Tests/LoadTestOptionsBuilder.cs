namespace Cinder.LoadTest.Tests;

/// <summary>Mutable stand-in for the init-only options, so each test states only what it changes.</summary>
public sealed class LoadTestOptionsBuilder
{
    public required Uri Url { get; set; }
    public required IReadOnlyList<TenantSpec> Tenants { get; set; }
    public string? Model { get; set; }
    public ApiEndpoint Endpoint { get; set; }
    public double? Rate { get; set; }
    public int? Requests { get; set; }
    public double? Duration { get; set; }
    public double Warmup { get; set; }
    public TokenDistribution Prompt { get; set; } = TokenDistribution.Parse("fixed:16", "--prompt-tokens");
    public TokenDistribution Output { get; set; } = TokenDistribution.Parse("fixed:4", "--output-tokens");
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
    public bool RetryShed { get; set; }
    public int ConcurrencyLimit { get; set; } = 64;
    public int Seed { get; set; } = 1234;

    public LoadTestOptions Build() => new()
    {
        BaseUrl = Url,
        Tenants = Tenants,
        Model = Model,
        Endpoint = Endpoint,
        Rate = Rate,
        Requests = Requests,
        Duration = Duration,
        Warmup = Warmup,
        PromptTokens = Prompt,
        OutputTokens = Output,
        Timeout = Timeout,
        RetryShed = RetryShed,
        ConcurrencyLimit = ConcurrencyLimit,
        Seed = Seed,
    };
}
