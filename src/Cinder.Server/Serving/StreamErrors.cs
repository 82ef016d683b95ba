using System.Net.ServerSentEvents;
using System.Text.Json;
using Cinder.Engine;
using Cinder.Server.Errors;
using Cinder.Server.Protocol;

namespace Cinder.Server.Serving;

/// <summary>The end of a stream: the [DONE] sentinel, or an error event when the generation did not finish normally.</summary>
internal static class StreamErrors
{
    public static SseItem<string> Done { get; } = new("[DONE]");

    /// <summary>
    /// Null when the generation finished (stop or length); an error event when the server stopped it; rethrows the
    /// cancellation when the client went away (there is no one left to tell).
    /// </summary>
    public static SseItem<string>? Check(GenerationRun run, CompletionEvent done)
    {
        try
        {
            run.Check(done);
            return null;
        }
        catch (ApiException e)
        {
            return new SseItem<string>(JsonSerializer.Serialize(ErrorMapper.Body(e), ProtocolJson.Web.ErrorResponse));
        }
    }
}
