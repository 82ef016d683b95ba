namespace Cinder.Engine.Scheduling;

/// <summary>Where a sequence is in its life.</summary>
public enum SequenceStatus
{
    Waiting,
    Running,
    Finished,
}

/// <summary>
/// The scheduler's view of one request: its tokens (prompt, then generated), how many of them have keys
/// and values in the cache, and the cache blocks holding them. The engine attaches its own state through
/// <see cref="Tag"/>.
/// </summary>
public sealed class ScheduledSequence
{
    public ScheduledSequence(long id, TenantPolicy tenant, IReadOnlyList<int> prompt, int maxNewTokens, long arrivalTicks)
    {
        if (prompt.Count == 0) throw new ArgumentException("a prompt has at least one token", nameof(prompt));
        Id = id;
        Tenant = tenant;
        Tokens = new List<int>(prompt.Count + Math.Min(maxNewTokens, 4096));
        Tokens.AddRange(prompt);
        PromptLength = prompt.Count;
        MaxNewTokens = maxNewTokens;
        ArrivalTicks = arrivalTicks;
    }

    public long Id { get; }
    public TenantPolicy Tenant { get; }

    /// <summary>Prompt followed by the generated tokens.</summary>
    public List<int> Tokens { get; }

    public int PromptLength { get; }
    public int MaxNewTokens { get; }
    public long ArrivalTicks { get; }

    public int Generated => Tokens.Count - PromptLength;

    /// <summary>Tokens whose keys and values are in the cache (positions 0..Computed-1).</summary>
    public int Computed { get; internal set; }

    /// <summary>Prompt tokens found in the prefix cache when the sequence was (last) admitted.</summary>
    public int CachedPromptTokens { get; internal set; }

    /// <summary>Cache blocks in position order.</summary>
    public List<int> Blocks { get; } = new();

    /// <summary>Full blocks already registered in the prefix cache, and the hash chain up to them.</summary>
    internal int RegisteredBlocks { get; set; }
    internal ulong RegisteredHash { get; set; }

    public SequenceStatus Status { get; internal set; }

    /// <summary>Times this sequence was pushed out to free KV blocks (it is then recomputed).</summary>
    public int Preemptions { get; internal set; }


    /// <summary>The engine's per-request state.</summary>
    public object? Tag { get; set; }

    /// <summary>True while prompt tokens remain to be computed before the next sample.</summary>
    public bool IsPrefilling => Computed < Tokens.Count - 1;

    public override string ToString() => $"#{Id} {Tenant.Name} {Status} computed {Computed}/{Tokens.Count}";
}
