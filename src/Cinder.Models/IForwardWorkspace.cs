namespace Cinder.Models;

/// <summary>Runs forward passes for one thread of control (an engine loop or a session); not thread-safe.</summary>
public interface IForwardWorkspace : IDisposable
{
    /// <summary>Most tokens one <see cref="Forward"/> takes.</summary>
    int MaxBatchTokens { get; }

    /// <summary>
    /// Runs the batch: appends every token's keys and values to its sequence's cache and returns the logits of
    /// the tokens that want them, in batch order, as OutputCount rows of VocabSize values. The span is valid
    /// until the next call.
    /// </summary>
    ReadOnlySpan<float> Forward(ForwardBatch batch);
}
