namespace Cinder.LoadTest;

/// <summary>A tenant as the run used it (the key is never reported): its share and its effective rates.</summary>
public sealed record TenantConfig(string Name, bool HasKey, double Share, double? Rate, double? BurstRate);
