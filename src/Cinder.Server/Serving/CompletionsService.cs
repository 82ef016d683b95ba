using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cinder.Engine;
using Cinder.Server.Errors;
using Cinder.Server.Protocol;
using Cinder.Server.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cinder.Server.Serving;

/// <summary>POST /v1/completions: a raw prompt continued, as <c>cinder run</c> does, in one answer or a stream.</summary>
internal static class CompletionsService
{
    public static async Task<Results<JsonHttpResult<CompletionResponse>, ServerSentEventsResult<string>>> HandleAsync(HttpContext context, ServerRuntime runtime)
    {
        var host = runtime.Host ?? throw new ApiException(503, "the model is not loaded", ErrorTypes.Unavailable, null, "model_loading");
        var body = await RequestReader.ReadBodyAsync(context.Request, ProtocolJson.Default.CompletionRequest).ConfigureAwait(false);
        var prepared = RequestReader.Completion(body, host, TenantFeature.Of(context));
        var run = GenerationRun.Start(host, prepared.Generation, context.RequestAborted, runtime.Shutdown.Token);
        string id = ResponseIds.New("cmpl-");
        long created = ResponseIds.Now();
        if (prepared.Stream) return TypedResults.ServerSentEvents(StreamAsync(run, prepared, id, created, host.ModelId, context.RequestAborted));
        using (run)
        {
            var (text, done) = await run.CollectAsync().ConfigureAwait(false);
            var response = new CompletionResponse(id, created, host.ModelId, [new CompletionChoice(0, text, GenerationRun.FinishReasonName(done.Reason))])
            {
                Usage = Usage.From(done),
            };
            return TypedResults.Json(response, ProtocolJson.Web.CompletionResponse);
        }
    }

    /// <summary>Text pieces, then an empty piece with finish_reason, then (with include_usage) the usage, then [DONE].</summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(GenerationRun run, PreparedRequest prepared, string id, long created, string model,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        using (run)
        {
            await foreach (var e in run.ReadAsync(cancellation).ConfigureAwait(false))
            {
                if (e is TokenEvent token)
                {
                    yield return Chunk(id, created, model, token.Text, null);
                    continue;
                }
                var done = (CompletionEvent)e;
                if (StreamErrors.Check(run, done) is { } error)
                {
                    yield return error;
                    yield break;
                }
                yield return Chunk(id, created, model, "", GenerationRun.FinishReasonName(done.Reason));
                if (prepared.IncludeUsage)
                {
                    var usage = new CompletionResponse(id, created, model, []) { Usage = Usage.From(done) };
                    yield return new SseItem<string>(JsonSerializer.Serialize(usage, ProtocolJson.Web.CompletionResponse));
                }
                yield return StreamErrors.Done;
            }
        }
    }

    private static SseItem<string> Chunk(string id, long created, string model, string text, string? finishReason) =>
        new(JsonSerializer.Serialize(new CompletionResponse(id, created, model, [new CompletionChoice(0, text, finishReason)]), ProtocolJson.Web.CompletionResponse));
}
