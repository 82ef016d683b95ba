namespace Cinder.Engine;

/// <summary>
/// Hooks the engine calls as work moves through it (the server turns them into Prometheus metrics).
/// Called on the engine thread or the submitting thread: implementations must be quick and thread-safe.
/// </summary>
public interface IEngineObserver
{
    void RequestRejected(string tenant, string reason) { }

    void FirstToken(string tenant, TimeSpan timeToFirstToken) { }

    /// <summary>A token after the first, with the time since the previous one.</summary>
    void NextToken(string tenant, TimeSpan timePerOutputToken) { }

    void RequestFinished(string tenant, FinishReason reason, int promptTokens, int completionTokens, TimeSpan elapsed) { }

    void PrefixCacheHit(string tenant, int tokens) { }

    /// <summary>A running sequence of <paramref name="tenant"/> gave up its slot and KV blocks (to be recomputed later).</summary>
    void SequencePreempted(string tenant) { }

    /// <summary>After every forward pass: sequences and tokens in it, and the queue and cache state after it.</summary>
    void StepCompleted(int sequences, int tokens, int running, int waiting, double kvUsage) { }
}
