using System.Runtime.CompilerServices;
using System.Text;
using Cinder.Engine;
using Cinder.Server.Errors;

namespace Cinder.Server.Serving;

/// <summary>
/// One request's generation on the engine: submitted with a token that fires when the client disconnects or a drain
/// runs out of time (either frees the sequence and its KV blocks at the next step), and read back as text.
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _clientGone;
    private readonly CancellationToken _shutdown;

    private GenerationRun(GenerationHandle handle, CancellationTokenSource linked, CancellationToken clientGone, CancellationToken shutdown)
    {
        Handle = handle;
        _linked = linked;
        _clientGone = clientGone;
        _shutdown = shutdown;
    }

    public GenerationHandle Handle { get; }

    /// <summary>Submits; an admission refusal (429/503/400) is thrown here, before any response is written.</summary>
    public static GenerationRun Start(ModelHost host, GenerationRequest request, CancellationToken clientGone, CancellationToken shutdown)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(clientGone, shutdown);
        try
        {
            return new GenerationRun(host.Engine.Submit(request, linked.Token), linked, clientGone, shutdown);
        }
        catch
        {
            linked.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole generation: its text and its completion, or throws what the client should hear.</summary>
    public async Task<(string Text, CompletionEvent Done)> CollectAsync()
    {
        var text = new StringBuilder();
        await foreach (var e in Handle.Events.ReadAllAsync(_clientGone).ConfigureAwait(false))
        {
            if (e is TokenEvent t) text.Append(t.Text);
            else if (e is CompletionEvent done) return (text.ToString(), Check(done));
        }
        throw new InvalidOperationException("the engine closed a generation without a completion event");
    }

    /// <summary>Text pieces as they come (empty ones skipped), then the completion.</summary>
    public async IAsyncEnumerable<Engine.GenerationEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var e in Handle.Events.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            if (e is TokenEvent { Text.Length: 0 }) continue;
            yield return e;
        }
    }

    /// <summary>A finished generation the client can be given, else the error for it.</summary>
    public CompletionEvent Check(CompletionEvent done) => done.Reason switch
    {
        FinishReason.Stop or FinishReason.Length => done,
        FinishReason.Cancelled when _clientGone.IsCancellationRequested => throw new OperationCanceledException(_clientGone),
        FinishReason.Cancelled when _shutdown.IsCancellationRequested =>
            throw new ApiException(503, "the server shut down before the generation finished", ErrorTypes.Unavailable, null, "shutting_down"),
        FinishReason.Cancelled => throw new ApiException(503, "the generation was cancelled by the server", ErrorTypes.Unavailable, null, "cancelled"),
        _ => throw new ApiException(500, $"the generation failed: {done.Error ?? "unknown error"}", ErrorTypes.Server, null, "generation_failed"),
    };

    public static string FinishReasonName(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    /// <summary>
    /// Stops the generation if it is still going (a no-op once it finished), then releases the token link. When a
    /// write to a reset connection ends the response, the request's abort signal may only fire after this; without
    /// the explicit stop, the generation would run on to max_tokens with nobody reading it.
    /// </summary>
    public void Dispose()
    {
        Handle.Cancel();
        _linked.Dispose();
    }
}
