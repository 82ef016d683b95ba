using Cinder.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Cinder.Server.Serving;

/// <summary>
/// Admits /v1 requests only while the server is ready (503 while loading or draining, so a load balancer retries
/// elsewhere) and counts those in flight, which a drain waits for.
/// </summary>
internal sealed class ServingGateMiddleware(RequestDelegate next, ServerRuntime runtime)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Counted before the status is read: a drain that has seen zero in flight knows every later request sees Draining.
        runtime.Enter();
        try
        {
            switch (runtime.Status)
            {
                case ServerStatus.Loading:
                    throw new ApiException(503, "the model is still loading; retry shortly", ErrorTypes.Unavailable, null, "model_loading", TimeSpan.FromSeconds(1));
                case ServerStatus.Failed:
                    throw new ApiException(503, "the model failed to load; see the server log", ErrorTypes.Unavailable, null, "model_failed");
                case ServerStatus.Draining:
                    throw new ApiException(503, "the server is shutting down and accepts no new requests", ErrorTypes.Unavailable, null, "shutting_down");
            }
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            runtime.Exit();
        }
    }
}
