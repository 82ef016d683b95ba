using System.Text.Json.Serialization;

namespace Cinder.Server.Tenancy;

/// <summary>The --api-keys file: <c>{"tenants": [{"name", "keys", "weight", "max_concurrent", "tokens_per_minute"}]}</c>.</summary>
internal sealed record ApiKeysFileDto
{
    public List<TenantEntryDto?>? Tenants { get; init; }
}

internal sealed record TenantEntryDto
{
    public string? Name { get; init; }
    public List<string?>? Keys { get; init; }
    public double? Weight { get; init; }
    public int? MaxConcurrent { get; init; }
    public int? TokensPerMinute { get; init; }
}

/// <summary>Strict: an unknown field (a typo such as "max_concurent") is an error, not a silently missing limit.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ApiKeysFileDto))]
internal sealed partial class ApiKeysJson : JsonSerializerContext;
