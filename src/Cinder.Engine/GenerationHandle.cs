using System.Threading.Channels;

namespace Cinder.Engine;

/// <summary>A submitted generation: its events as they come, and a way to stop it.</summary>
public sealed class GenerationHandle
{
    private readonly Action<GenerationHandle> _cancel;

    internal GenerationHandle(long id, int promptTokens, ChannelReader<GenerationEvent> events, Action<GenerationHandle> cancel)
    {
        Id = id;
        PromptTokens = promptTokens;
        Events = events;
        _cancel = cancel;
    }

    public long Id { get; }

    public int PromptTokens { get; }

    /// <summary>Token events, then one <see cref="CompletionEvent"/>; the channel then completes.</summary>
    public ChannelReader<GenerationEvent> Events { get; }

    /// <summary>Stops the generation at the next step and frees its KV blocks; a completion with reason Cancelled follows.</summary>
    public void Cancel() => _cancel(this);
}
