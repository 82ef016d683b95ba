namespace Cinder.Engine.Scheduling;

/// <summary>
/// Decides, step by step, which sequences the engine advances: a pure state machine with no model and no
/// threads (DESIGN.md convention 6). Each step every running sequence that is decoding gets one token,
/// prompts are split into chunks under a per-step token budget so a long prompt never freezes running
/// streams, and waiting requests are admitted tenant by tenant with start-time fair queuing weighted by each
/// tenant's weight. KV blocks come from a shared pool with prefix caching; when a decode needs a block and
/// none is left, the most recently admitted sequence is preempted (freed, and recomputed later).
/// </summary>
/// <remarks>Time is passed in (TimeSpan ticks) so tests control it. Not thread-safe: the engine loop owns it.</remarks>
public sealed class Scheduler
{
    private readonly SchedulerOptions _options;
    private readonly List<ScheduledSequence> _running = new();
    private readonly List<TenantState> _ring = new();
    private readonly Dictionary<string, TenantState> _tenants = new(StringComparer.Ordinal);
    private readonly ScheduleStep _step = new();
    private int _ringPosition;
    private int _waiting;
    private double _virtualTime;

    public Scheduler(SchedulerOptions options)
    {
        options.Validate();
        _options = options;
        Blocks = new BlockManager(options.BlockCount, options.BlockSize, options.PrefixCaching);
    }

    public SchedulerOptions Options => _options;
    public BlockManager Blocks { get; }
    public IReadOnlyList<ScheduledSequence> Running => _running;
    public int WaitingCount => _waiting;

    /// <summary>True once <see cref="StartDraining"/> was called: new requests are refused.</summary>
    public bool IsDraining { get; private set; }

    /// <summary>Prompt tokens served from the prefix cache so far.</summary>
    public long PrefixCacheHitTokens { get; private set; }

    /// <summary>Admissions that reused at least one cached block.</summary>
    public long PrefixCacheHits { get; private set; }

    /// <summary>Capacity of the KV pool in tokens.</summary>
    public int KvCapacity => _options.BlockCount * _options.BlockSize;

    /// <summary>Number of requests of <paramref name="tenant"/> running or waiting.</summary>
    public int InFlight(string tenant) => _tenants.TryGetValue(tenant, out var t) ? t.InFlight : 0;

    public void StartDraining() => IsDraining = true;

    /// <summary>Checks every limit and, if the request passes, queues it (and charges its prompt to the tenant's bucket).</summary>
    public AdmissionResult TryEnqueue(ScheduledSequence sequence, long nowTicks)
    {
        if (IsDraining) return new(RejectionReason.Draining, TimeSpan.Zero, "the server is shutting down and accepts no new requests");
        int total = sequence.PromptLength + sequence.MaxNewTokens;
        if (total > _options.ContextLength)
            return new(RejectionReason.TooLarge, TimeSpan.Zero, $"the prompt ({sequence.PromptLength} tokens) plus max_tokens ({sequence.MaxNewTokens}) is {total} tokens, more than the context of {_options.ContextLength}");
        if (total > KvCapacity)
            return new(RejectionReason.TooLarge, TimeSpan.Zero, $"the prompt ({sequence.PromptLength} tokens) plus max_tokens ({sequence.MaxNewTokens}) is {total} tokens, more than the KV cache holds ({KvCapacity})");
        var tenant = Tenant(sequence.Tenant, nowTicks);
        if (tenant.Policy.MaxConcurrent is { } max && tenant.InFlight >= max)
            return new(RejectionReason.TenantConcurrency, TimeSpan.FromSeconds(1), $"tenant '{tenant.Policy.Name}' already has {tenant.InFlight} requests in flight (max_concurrent {max})");
        if (_waiting >= _options.MaxQueue)
            return new(RejectionReason.QueueFull, TimeSpan.FromSeconds(1), $"the server queue is full ({_options.MaxQueue} requests waiting)");
        if (tenant.Bucket is { } bucket)
        {
            var wait = bucket.TimeUntil(sequence.PromptLength, nowTicks);
            if (wait > TimeSpan.Zero)
                return new(RejectionReason.TenantTokenRate, Ceiling(wait), $"tenant '{tenant.Policy.Name}' is over its limit of {tenant.Policy.TokensPerMinute} tokens per minute");
            bucket.Charge(sequence.PromptLength, nowTicks);
        }
        sequence.Status = SequenceStatus.Waiting;
        tenant.Queue.AddLast(sequence);
        tenant.InFlight++;
        _waiting++;
        return AdmissionResult.Accepted;
    }

    /// <summary>Plans the next forward pass. The returned object is reused by the next call.</summary>
    public ScheduleStep Schedule(long nowTicks)
    {
        _step.Clear();
        int budget = _options.TokenBudget;

        // 0. A fair share of the slots: a tenant waiting with nothing running behind a full engine takes a slot now
        //    rather than when one frees (a flooder's sequences may hold them all for hundreds of steps).
        var starved = FreeASlotForAStarvedTenant();
        int fairnessPreemptions = _step.Preempted.Count;

        // 1. Every decoding sequence gets its one token, oldest first. _running is in admission order, so when
        //    blocks run out the newest sequence (the last) is preempted: never one already given its token.
        for (int i = 0; i < _running.Count; i++)
        {
            var s = _running[i];
            if (s.IsPrefilling) continue;
            bool fits = true;
            while (!EnsureBlocks(s, s.Computed + 1))
            {
                var victim = _running[^1];
                Preempt(victim);
                if (victim == s)
                {
                    fits = false;
                    break;
                }
            }
            if (!fits) break;
            _step.Items.Add(new StepItem(s, s.Computed, 1, true));
            budget--;
        }

        // 2. Running sequences still in their prompt get chunks of what is left of the budget.
        foreach (var s in _running)
        {
            if (budget <= 0) break;
            if (!s.IsPrefilling) continue;
            budget -= AddPrefillChunk(s, budget);
        }

        // 3. Admit waiting requests, tenant by tenant (weighted fair queuing), while slots, budget and blocks allow:
        //    first the starved tenant's, for which a slot was freed. Not in a step that had to preempt for blocks: the
        //    freed blocks are spoken for, and re-admitting at once would thrash.
        while (budget > 0 && _running.Count < _options.MaxRunning && _waiting > 0 && _step.Preempted.Count == fairnessPreemptions)
        {
            var next = starved is { Queue.First: { } head } ? (starved, head.Value) : NextToAdmit();
            starved = null;
            if (next is null) break;
            var (tenant, s) = next.Value;
            if (!Admit(s)) break; // not even its first block fits: wait for blocks to free up
            tenant.Queue.RemoveFirst();
            Charge(tenant, s);
            _waiting--;
            _step.Admitted.Add(s);
            budget -= AddPrefillChunk(s, budget);
        }
        _step.TokenCount = _options.TokenBudget - budget;
        return _step;
    }

    /// <summary>
    /// When every slot is taken and a tenant with a waiting request has none of them, preempts the newest sequence
    /// (the least work to redo) of the tenant holding the most slots per unit of weight, if it holds at least two;
    /// returns the starved tenant, or null. The preempted request goes back to the head of its tenant's queue and
    /// is recomputed when it gets a slot again, not charged twice in the fair-queuing ledger.
    /// </summary>
    private TenantState? FreeASlotForAStarvedTenant()
    {
        if (_running.Count < _options.MaxRunning || _waiting == 0 || _ring.Count < 2) return null;
        TenantState? starved = null, richest = null;
        double most = 0;
        foreach (var t in _ring)
        {
            int running = 0;
            foreach (var s in _running) if (s.Tenant.Name == t.Policy.Name) running++;
            if (running == 0 && t.Queue.Count > 0) starved ??= t;
            if (running >= 2 && running / t.Policy.Weight > most)
            {
                most = running / t.Policy.Weight;
                richest = t;
            }
        }
        if (starved is null || richest is null) return null;
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            if (_running[i].Tenant.Name != richest.Policy.Name) continue;
            Preempt(_running[i]);
            return starved;
        }
        return null;
    }

    /// <summary>Records that the forward pass of <paramref name="step"/> ran: its tokens now have keys and values in the cache.</summary>
    public void Commit(ScheduleStep step)
    {
        foreach (var item in step.Items)
        {
            var s = item.Sequence;
            if (s.Status != SequenceStatus.Running) continue; // cancelled meanwhile
            s.Computed = Math.Max(s.Computed, item.Start + item.Count);
            RegisterFullBlocks(s);
        }
    }

    /// <summary>Adds a sampled token to a running sequence and charges it to its tenant.</summary>
    public void Append(ScheduledSequence s, int token, long nowTicks)
    {
        s.Tokens.Add(token);
        if (_tenants.TryGetValue(s.Tenant.Name, out var t)) t.Bucket?.Charge(1, nowTicks);
    }

    /// <summary>Ends a sequence (finished, failed or cancelled) wherever it is, freeing its blocks.</summary>
    public void Finish(ScheduledSequence s)
    {
        if (s.Status == SequenceStatus.Finished) return;
        if (s.Status == SequenceStatus.Running)
        {
            _running.Remove(s);
        }
        else if (_tenants.TryGetValue(s.Tenant.Name, out var waitingTenant) && waitingTenant.Queue.Remove(s))
        {
            _waiting--;
        }
        ReleaseBlocks(s);
        s.Status = SequenceStatus.Finished;
        if (_tenants.TryGetValue(s.Tenant.Name, out var t)) t.InFlight--;
    }

    private TenantState Tenant(TenantPolicy policy, long nowTicks)
    {
        if (!_tenants.TryGetValue(policy.Name, out var t))
        {
            t = new TenantState(policy, policy.TokensPerMinute is { } tpm ? new TokenBucket(tpm, nowTicks) : null);
            _tenants[policy.Name] = t;
            _ring.Add(t);
        }
        return t;
    }

    /// <summary>
    /// Start-time fair queuing (Goyal et al.): a tenant's next request starts, in virtual time, where its previous one
    /// finished, or at the current virtual time if the tenant was idle; the earliest start goes first. A tenant that
    /// was idle is thus served at the next free slot, however long a flooder's queue, and backlogged tenants share
    /// admissions in proportion to their weights. Ties go round the ring so equal tenants alternate.
    /// </summary>
    private (TenantState, ScheduledSequence)? NextToAdmit()
    {
        TenantState? best = null;
        int bestIndex = 0;
        double bestStart = double.MaxValue;
        for (int k = 0; k < _ring.Count; k++)
        {
            int i = (_ringPosition + k) % _ring.Count;
            var t = _ring[i];
            if (t.Queue.First is null) continue;
            double start = Math.Max(_virtualTime, t.LastFinish);
            if (start < bestStart)
            {
                best = t;
                bestIndex = i;
                bestStart = start;
            }
        }
        if (best is null) return null;
        _ringPosition = (bestIndex + 1) % _ring.Count;
        return (best, best.Queue.First!.Value);
    }

    /// <summary>
    /// Advances the fair-queuing clock for an admission. The cost is the work the request asks for, its prompt and
    /// its generation limit, so long outputs count as much as long prompts; a preempted request coming back is not
    /// charged twice for the scheduler's own decision.
    /// </summary>
    private void Charge(TenantState tenant, ScheduledSequence s)
    {
        double start = Math.Max(_virtualTime, tenant.LastFinish);
        _virtualTime = start;
        if (s.Preemptions == 0) tenant.LastFinish = start + (s.PromptLength + s.MaxNewTokens) / tenant.Policy.Weight;
    }

    /// <summary>Moves a waiting sequence to running, reusing cached prefix blocks; false if no block is available for it.</summary>
    private bool Admit(ScheduledSequence s)
    {
        int tokens = s.Tokens.Count;
        // Keep at least the last token to compute: its logits are needed to sample.
        int maxCachedBlocks = (tokens - 1) / _options.BlockSize;
        int matched = Blocks.MatchPrefix(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Tokens), maxCachedBlocks, s.Blocks, out ulong hash);
        int cachedTokens = matched * _options.BlockSize;
        if (!EnsureBlocks(s, cachedTokens + 1))
        {
            ReleaseBlocks(s);
            return false;
        }
        s.Computed = cachedTokens;
        s.CachedPromptTokens = Math.Min(cachedTokens, s.PromptLength);
        s.RegisteredBlocks = matched;
        s.RegisteredHash = hash;
        if (matched > 0)
        {
            PrefixCacheHits++;
            PrefixCacheHitTokens += cachedTokens;
        }
        s.Status = SequenceStatus.Running;
        _running.Add(s);
        return true;
    }

    /// <summary>Schedules the next chunk of a prefilling sequence within <paramref name="budget"/>; returns the tokens used.</summary>
    private int AddPrefillChunk(ScheduledSequence s, int budget)
    {
        int remaining = s.Tokens.Count - s.Computed;
        int n = Math.Min(remaining, budget);
        // Take as many blocks as are available up to n tokens; a prefill never preempts.
        while (n > 0 && !EnsureBlocks(s, s.Computed + n))
        {
            int affordable = (s.Blocks.Count + Blocks.AvailableBlocks) * _options.BlockSize - s.Computed;
            n = Math.Min(n - 1, affordable);
        }
        if (n <= 0) return 0;
        _step.Items.Add(new StepItem(s, s.Computed, n, s.Computed + n == s.Tokens.Count));
        return n;
    }

    private bool EnsureBlocks(ScheduledSequence s, int tokens)
    {
        int needed = (tokens + _options.BlockSize - 1) / _options.BlockSize;
        if (needed - s.Blocks.Count > Blocks.AvailableBlocks) return false;
        while (s.Blocks.Count < needed)
        {
            Blocks.TryAllocate(out int block);
            s.Blocks.Add(block);
        }
        return true;
    }

    /// <summary>Frees a running sequence's blocks and puts it back at the head of its tenant's queue; it will be recomputed.</summary>
    private void Preempt(ScheduledSequence s)
    {
        _running.Remove(s);
        _step.Items.RemoveAll(i => i.Sequence == s);
        ReleaseBlocks(s);
        s.Computed = 0;
        s.Status = SequenceStatus.Waiting;
        s.Preemptions++;
        _tenants[s.Tenant.Name].Queue.AddFirst(s);
        _waiting++;
        _step.Preempted.Add(s);
    }

    private void ReleaseBlocks(ScheduledSequence s)
    {
        foreach (int b in s.Blocks) Blocks.Release(b);
        s.Blocks.Clear();
        s.RegisteredBlocks = 0;
        s.RegisteredHash = 0;
    }

    /// <summary>Offers every newly completed full block to the prefix cache.</summary>
    private void RegisterFullBlocks(ScheduledSequence s)
    {
        if (!_options.PrefixCaching) return;
        int full = Math.Min(s.Computed / _options.BlockSize, s.Blocks.Count);
        var tokens = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Tokens);
        while (s.RegisteredBlocks < full)
        {
            int i = s.RegisteredBlocks;
            s.RegisteredHash = Blocks.Register(s.Blocks[i], s.RegisteredHash, tokens.Slice(i * _options.BlockSize, _options.BlockSize));
            s.RegisteredBlocks++;
        }
    }

    private static TimeSpan Ceiling(TimeSpan t) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(t.TotalSeconds)));

    private sealed class TenantState(TenantPolicy policy, TokenBucket? bucket)
    {
        public TenantPolicy Policy { get; } = policy;
        public TokenBucket? Bucket { get; } = bucket;
        public LinkedList<ScheduledSequence> Queue { get; } = new();
        /// <summary>Virtual time at which this tenant's last admitted request finishes (start-time fair queuing).</summary>
        public double LastFinish { get; set; }
        public int InFlight { get; set; }
    }
}
