using Cinder.Server.Errors;
using Cinder.Server.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace Cinder.Server.Routing;

/// <summary>The HTTP surface: OpenAI's /v1 routes, /health and /metrics. Handlers live in Serving/, types in Protocol/.</summary>
internal static class OpenAiRoutes
{
    public static void Map(WebApplication app, ServerRuntime runtime)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/chat/completions", (HttpContext context, ServerRuntime r) => ChatCompletionsService.HandleAsync(context, r));
        v1.MapPost("/completions", (HttpContext context, ServerRuntime r) => CompletionsService.HandleAsync(context, r));
        v1.MapGet("/models", () => ModelsService.List(runtime));
        v1.MapGet("/models/{id}", (string id) => ModelsService.Get(id, runtime));

        app.MapGet("/health", () => HealthService.Check(runtime));
        app.MapMetrics("/metrics", runtime.Metrics.Registry);
    }

    /// <summary>404 and 405 (no route, wrong method) as OpenAI-shaped errors rather than empty bodies.</summary>
    public static async Task UnmatchedAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        string route = $"{context.Request.Method} {context.Request.Path}";
        var error = context.Response.StatusCode switch
        {
            404 => new ApiException(404, $"unknown route: {route}", ErrorTypes.InvalidRequest, null, "unknown_url"),
            405 => new ApiException(405, $"method not allowed: {route}", ErrorTypes.InvalidRequest, null, "method_not_allowed"),
            int code => new ApiException(code, $"request failed with status {code}: {route}", code >= 500 ? ErrorTypes.Server : ErrorTypes.InvalidRequest),
        };
        await ErrorMapper.WriteAsync(context, error).ConfigureAwait(false);
    }
}
