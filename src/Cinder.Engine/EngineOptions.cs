namespace Cinder.Engine;

/// <summary>How an <see cref="InferenceEngine"/> uses the machine.</summary>
public sealed record EngineOptions
{
    /// <summary>Worker threads including the engine thread; 0 means one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>Most sequences advanced together (--parallel).</summary>
    public int MaxRunning { get; init; } = 8;

    /// <summary>Most tokens in one forward pass (decodes plus prompt chunks).</summary>
    public int TokenBudget { get; init; } = 256;

    /// <summary>Tokens the KV cache holds for all sequences together (--kv-size); 0 means the model's context length.</summary>
    public int KvTokens { get; init; }

    /// <summary>Longest sequence; 0 means the model's context length (--ctx-size).</summary>
    public int ContextLength { get; init; }

    /// <summary>Tokens per KV block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Most requests waiting, all tenants together (--max-queue).</summary>
    public int MaxQueue { get; init; } = 64;

    public bool PrefixCaching { get; init; } = true;
}
