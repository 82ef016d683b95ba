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

/// <summary>POST /v1/chat/completions: the conversation through the chat template, then one answer or a stream of deltas.</summary>
internal static class ChatCompletionsService
{
    public static async Task<Results<JsonHttpResult<ChatCompletionResponse>, ServerSentEventsResult<string>>> HandleAsync(HttpContext context, ServerRuntime runtime)
    {
        var host = runtime.Host ?? throw new ApiException(503, "the model is not loaded", ErrorTypes.Unavailable, null, "model_loading");
        var body = await RequestReader.ReadBodyAsync(context.Request, ProtocolJson.Default.ChatCompletionRequest).ConfigureAwait(false);
        var prepared = RequestReader.Chat(body, host, TenantFeature.Of(context));
        var run = GenerationRun.Start(host, prepared.Generation, context.RequestAborted, runtime.Shutdown.Token);
        string id = ResponseIds.New("chatcmpl-");
        long created = ResponseIds.Now();
        if (prepared.Stream) return TypedResults.ServerSentEvents(StreamAsync(run, prepared, id, created, host.ModelId, context.RequestAborted));
        using (run)
        {
            var (text, done) = await run.CollectAsync().ConfigureAwait(false);
            var response = new ChatCompletionResponse(id, created, host.ModelId,
                [new ChatChoice(0, new AssistantMessage(text), GenerationRun.FinishReasonName(done.Reason))], Usage.From(done));
            return TypedResults.Json(response, ProtocolJson.Web.ChatCompletionResponse);
        }
    }

    /// <summary>
    /// OpenAI's chunk sequence: the role first, then content deltas, then an empty delta with finish_reason, then (with
    /// include_usage) a chunk with no choices and the usage, then [DONE]. A failure mid-stream is an error event instead.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(GenerationRun run, PreparedRequest prepared, string id, long created, string model,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        using (run)
        {
            yield return Chunk(id, created, model, new ChatDelta { Role = "assistant", Content = "" }, null);
            await foreach (var e in run.ReadAsync(cancellation).ConfigureAwait(false))
            {
                if (e is TokenEvent token)
                {
                    yield return Chunk(id, created, model, new ChatDelta { Content = token.Text }, null);
                    continue;
                }
                var done = (CompletionEvent)e;
                if (StreamErrors.Check(run, done) is { } error)
                {
                    yield return error;
                    yield break;
                }
                yield return Chunk(id, created, model, new ChatDelta(), GenerationRun.FinishReasonName(done.Reason));
                if (prepared.IncludeUsage)
                {
                    var usage = new ChatCompletionChunk(id, created, model, []) { Usage = Usage.From(done) };
                    yield return new SseItem<string>(JsonSerializer.Serialize(usage, ProtocolJson.Web.ChatCompletionChunk));
                }
                yield return StreamErrors.Done;
            }
        }
    }

    private static SseItem<string> Chunk(string id, long created, string model, ChatDelta delta, string? finishReason) =>
        new(JsonSerializer.Serialize(new ChatCompletionChunk(id, created, model, [new ChatChunkChoice(0, delta, finishReason)]), ProtocolJson.Web.ChatCompletionChunk));
}
