using Cinder.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Cinder.Server.Tenancy;

/// <summary>
/// With --api-keys, every /v1 request must carry <c>Authorization: Bearer KEY</c> of some tenant; the tenant rides on
/// the request from here on. Keys are never logged nor echoed in errors.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ServerRuntime runtime)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (runtime.Tenants is { } tenants)
        {
            string? header = context.Request.Headers.Authorization;
            const string Bearer = "Bearer ";
            if (string.IsNullOrWhiteSpace(header))
                throw new ApiException(401, "no API key provided: send it as 'Authorization: Bearer KEY'", ErrorTypes.InvalidRequest, null, "missing_api_key");
            if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
                throw new ApiException(401, "the Authorization header must be 'Bearer KEY'", ErrorTypes.InvalidRequest, null, "invalid_api_key");
            var tenant = tenants.Authenticate(header.AsSpan(Bearer.Length).Trim())
                ?? throw new ApiException(401, "incorrect API key provided", ErrorTypes.InvalidRequest, null, "invalid_api_key");
            context.Features.Set(new TenantFeature(tenant));
        }
        return next(context);
    }
}
