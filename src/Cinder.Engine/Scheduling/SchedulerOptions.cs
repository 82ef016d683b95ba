namespace Cinder.Engine.Scheduling;

/// <summary>Engine-wide limits the scheduler enforces.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Most sequences running (decoding or prefilling) at once (--parallel).</summary>
    public int MaxRunning { get; init; } = 8;

    /// <summary>Most tokens one forward pass processes: every running decode plus prompt chunks up to this.</summary>
    public int TokenBudget { get; init; } = 256;

    /// <summary>Tokens per KV block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV blocks in the pool (--kv-size / BlockSize).</summary>
    public int BlockCount { get; init; } = 256;

    /// <summary>Most requests waiting for a slot, all tenants together (--max-queue).</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>The model's context length: no sequence grows beyond it.</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Reuse KV blocks of identical prompt prefixes.</summary>
    public bool PrefixCaching { get; init; } = true;

    public void Validate()
    {
        if (MaxRunning < 1) throw new ArgumentOutOfRangeException(nameof(MaxRunning), "at least one running sequence");
        if (TokenBudget < MaxRunning) throw new ArgumentOutOfRangeException(nameof(TokenBudget), $"the token budget ({TokenBudget}) must cover one token per running sequence ({MaxRunning})");
        if (BlockSize < 1 || BlockCount < 1) throw new ArgumentOutOfRangeException(nameof(BlockCount), "KV blocks must be positive");
        if (MaxQueue < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueue));
    }
}
