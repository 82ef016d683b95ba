namespace Cinder.Engine.Scheduling;

/// <summary>
/// Limits and share of one tenant (from the API keys file). A null limit means unlimited.
/// </summary>
/// <param name="Name">Tenant name, used in metrics and errors.</param>
/// <param name="Weight">Share of the engine under contention, relative to other tenants' weights.</param>
/// <param name="MaxConcurrent">Requests running or waiting at once.</param>
/// <param name="TokensPerMinute">Prompt plus generated tokens per minute (a token bucket holding one minute's worth).</param>
public sealed record TenantPolicy(string Name, double Weight = 1, int? MaxConcurrent = null, int? TokensPerMinute = null)
{
    /// <summary>The tenant of requests made without keys (a server started without --api-keys).</summary>
    public static TenantPolicy Anonymous { get; } = new("anonymous");
}
