using Cinder.Server.Errors;
using Cinder.Server.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cinder.Server.Serving;

/// <summary>GET /v1/models and /v1/models/{id}: the one model this server serves.</summary>
internal static class ModelsService
{
    public static JsonHttpResult<ModelList> List(ServerRuntime runtime) =>
        TypedResults.Json(new ModelList([Card(Host(runtime), runtime)]), ProtocolJson.Web.ModelList);

    public static JsonHttpResult<ModelCard> Get(string id, ServerRuntime runtime)
    {
        var host = Host(runtime);
        if (id != host.ModelId) throw new ApiException(404, $"the model '{id}' does not exist; this server serves '{host.ModelId}'", ErrorTypes.InvalidRequest, "model", "model_not_found");
        return TypedResults.Json(Card(host, runtime), ProtocolJson.Web.ModelCard);
    }

    private static ModelHost Host(ServerRuntime runtime) => runtime.Host ?? throw new ApiException(503, "the model is not loaded", ErrorTypes.Unavailable, null, "model_loading");

    private static ModelCard Card(ModelHost host, ServerRuntime runtime) => new(host.ModelId, runtime.StartedAt.ToUnixTimeSeconds(),
        new ModelMeta(host.Model.Architecture, host.Model.VocabSize, host.ContextLength, host.ChatTemplate.Name ?? "custom"));
}
