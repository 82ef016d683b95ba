using Cinder.Engine.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Cinder.Server.Tenancy;

/// <summary>The tenant a request was authenticated as (the anonymous tenant without --api-keys).</summary>
internal sealed record TenantFeature(TenantPolicy Tenant)
{
    public static TenantPolicy Of(HttpContext context) => context.Features.Get<TenantFeature>()?.Tenant ?? TenantPolicy.Anonymous;
}
