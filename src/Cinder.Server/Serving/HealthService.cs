using Cinder.Server.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cinder.Server.Serving;

/// <summary>GET /health: 200 only when the model is loaded and the server takes requests, so a load balancer knows when to send.</summary>
internal static class HealthService
{
    public static JsonHttpResult<HealthResponse> Check(ServerRuntime runtime) => runtime.Status switch
    {
        // An engine whose thread died answers every request with an error: not healthy, whatever the status says.
        ServerStatus.Ready when runtime.Host?.Engine.Fault is not null => TypedResults.Json(new HealthResponse("error"), ProtocolJson.Web.HealthResponse, statusCode: 503),
        ServerStatus.Ready => TypedResults.Json(new HealthResponse("ok"), ProtocolJson.Web.HealthResponse),
        ServerStatus.Loading => TypedResults.Json(new HealthResponse("loading"), ProtocolJson.Web.HealthResponse, statusCode: 503),
        ServerStatus.Draining => TypedResults.Json(new HealthResponse("draining"), ProtocolJson.Web.HealthResponse, statusCode: 503),
        _ => TypedResults.Json(new HealthResponse("error"), ProtocolJson.Web.HealthResponse, statusCode: 503),
    };
}
