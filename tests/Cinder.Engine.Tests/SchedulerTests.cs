using Cinder.Engine.Scheduling;

namespace Cinder.Engine.Tests;

/// <summary>The scheduler as a pure state machine: no model, no threads, time under the test's control.</summary>
public class SchedulerTests
{
    private long _now = TimeSpan.TicksPerHour;
    private long _ids;

    private ScheduledSequence Seq(TenantPolicy tenant, int promptTokens, int maxNew = 16, int firstToken = 0) =>
        new(++_ids, tenant, Enumerable.Range(firstToken, promptTokens).ToArray(), maxNew, _now);

    private static Scheduler New(int maxRunning = 8, int budget = 64, int blockSize = 16, int blocks = 256, int maxQueue = 100) =>
        new(new SchedulerOptions { MaxRunning = maxRunning, TokenBudget = budget, BlockSize = blockSize, BlockCount = blocks, MaxQueue = maxQueue, ContextLength = 4096 });

    /// <summary>Plays the engine's part for one step: every sampled sequence gets a token and finishes at its limit.</summary>
    private List<ScheduledSequence> Run(Scheduler s, ScheduleStep step)
    {
        s.Commit(step);
        var finished = new List<ScheduledSequence>();
        foreach (var item in step.Items.ToList())
        {
            if (!item.Sample) continue;
            s.Append(item.Sequence, 7, _now);
            if (item.Sequence.Generated >= item.Sequence.MaxNewTokens)
            {
                s.Finish(item.Sequence);
                finished.Add(item.Sequence);
            }
        }
        return finished;
    }

    [Fact]
    public void DecodesGetOneTokenEachAndPromptsAreChunkedUnderTheBudget()
    {
        var s = New(budget: 64);
        var a = Seq(TenantPolicy.Anonymous, 10, maxNew: 100);
        var b = Seq(TenantPolicy.Anonymous, 10, maxNew: 100);
        Assert.True(s.TryEnqueue(a, _now).IsAccepted);
        Assert.True(s.TryEnqueue(b, _now).IsAccepted);
        Run(s, s.Schedule(_now)); // both prefill fully (20 tokens) and sample
        var longPrompt = Seq(TenantPolicy.Anonymous, 1000);
        Assert.True(s.TryEnqueue(longPrompt, _now).IsAccepted);

        int prefilled = 0;
        for (int step = 0; step < 20 && longPrompt.IsPrefilling; step++)
        {
            var plan = s.Schedule(_now);
            Assert.Contains(plan.Items, i => i.Sequence == a && i.Count == 1 && i.Sample);
            Assert.Contains(plan.Items, i => i.Sequence == b && i.Count == 1 && i.Sample);
            var chunk = Assert.Single(plan.Items, i => i.Sequence == longPrompt);
            Assert.Equal(Math.Min(62, 1000 - prefilled), chunk.Count); // 64 budget - 2 decodes
            Assert.True(plan.TokenCount <= 64);
            prefilled += chunk.Count;
            Run(s, plan);
        }
        Assert.False(longPrompt.IsPrefilling);
        Assert.Equal(1000, prefilled); // the chunk with the last prompt token samples the first generated one
    }

    [Fact]
    public void MaxRunningCapsTheBatchAndTheRestWait()
    {
        var s = New(maxRunning: 4, budget: 256);
        for (int i = 0; i < 10; i++) Assert.True(s.TryEnqueue(Seq(TenantPolicy.Anonymous, 8), _now).IsAccepted);
        var plan = s.Schedule(_now);
        Assert.Equal(4, plan.Admitted.Count);
        Assert.Equal(4, s.Running.Count);
        Assert.Equal(6, s.WaitingCount);
    }

    [Fact]
    public void AFullQueueRejects()
    {
        var s = New(maxRunning: 1, maxQueue: 3);
        for (int i = 0; i < 3; i++) Assert.True(s.TryEnqueue(Seq(TenantPolicy.Anonymous, 8), _now).IsAccepted);
        var r = s.TryEnqueue(Seq(TenantPolicy.Anonymous, 8), _now);
        Assert.Equal(RejectionReason.QueueFull, r.Reason);
        Assert.True(r.RetryAfter > TimeSpan.Zero);
        s.Schedule(_now); // one moves to running
        Assert.True(s.TryEnqueue(Seq(TenantPolicy.Anonymous, 8), _now).IsAccepted);
    }

    [Fact]
    public void TenantConcurrencyLimitCountsRunningAndWaiting()
    {
        var team = new TenantPolicy("team-a", MaxConcurrent: 2);
        var s = New();
        var first = Seq(team, 8);
        Assert.True(s.TryEnqueue(first, _now).IsAccepted);
        s.Schedule(_now);
        Assert.True(s.TryEnqueue(Seq(team, 8), _now).IsAccepted);
        var r = s.TryEnqueue(Seq(team, 8), _now);
        Assert.Equal(RejectionReason.TenantConcurrency, r.Reason);
        Assert.Contains("team-a", r.Message);
        Assert.True(s.TryEnqueue(Seq(new TenantPolicy("team-b", MaxConcurrent: 2), 8), _now).IsAccepted);
        s.Finish(first);
        Assert.True(s.TryEnqueue(Seq(team, 8), _now).IsAccepted);
    }

    [Fact]
    public void TokenBucketRejectsWithRetryAfterAndRefills()
    {
        var team = new TenantPolicy("metered", TokensPerMinute: 100);
        var s = New();
        Assert.True(s.TryEnqueue(Seq(team, 60), _now).IsAccepted);
        var r = s.TryEnqueue(Seq(team, 60), _now);
        Assert.Equal(RejectionReason.TenantTokenRate, r.Reason);
        Assert.Equal(TimeSpan.FromSeconds(12), r.RetryAfter); // 20 tokens missing at 100 per minute
        _now += TimeSpan.FromSeconds(12).Ticks;
        Assert.True(s.TryEnqueue(Seq(team, 60), _now).IsAccepted);
    }

    [Fact]
    public void GeneratedTokensAreChargedToTheBucket()
    {
        var team = new TenantPolicy("metered", TokensPerMinute: 100);
        var s = New();
        var a = Seq(team, 10, maxNew: 50);
        Assert.True(s.TryEnqueue(a, _now).IsAccepted);
        while (a.Status != SequenceStatus.Finished) Run(s, s.Schedule(_now));
        // 10 prompt + 50 generated used: 40 left, so a 50-token prompt must wait 6 s
        var r = s.TryEnqueue(Seq(team, 50), _now);
        Assert.Equal(RejectionReason.TenantTokenRate, r.Reason);
        Assert.Equal(TimeSpan.FromSeconds(6), r.RetryAfter);
    }

    [Fact]
    public void WeightsShareAdmissionsUnderContention()
    {
        var heavy = new TenantPolicy("heavy", Weight: 3);
        var light = new TenantPolicy("light", Weight: 1);
        var s = New(maxRunning: 1, budget: 32, maxQueue: 1000);
        for (int i = 0; i < 200; i++)
        {
            Assert.True(s.TryEnqueue(Seq(heavy, 16, maxNew: 1), _now).IsAccepted);
            Assert.True(s.TryEnqueue(Seq(light, 16, maxNew: 1), _now).IsAccepted);
        }
        var admitted = new List<string>();
        while (admitted.Count < 80)
        {
            var plan = s.Schedule(_now);
            admitted.AddRange(plan.Admitted.Select(a => a.Tenant.Name));
            Run(s, plan);
        }
        int h = admitted.Take(80).Count(n => n == "heavy"), l = admitted.Take(80).Count(n => n == "light");
        Assert.InRange(h, 57, 63); // 3:1 of 80 is 60:20
        Assert.InRange(l, 17, 23);
    }

    [Fact]
    public void AFloodingTenantDoesNotDelayAnotherTenantsRequest()
    {
        var flooder = new TenantPolicy("flooder");
        var polite = new TenantPolicy("polite");
        var s = New(maxRunning: 2, budget: 64, maxQueue: 1000);
        for (int i = 0; i < 100; i++) Assert.True(s.TryEnqueue(Seq(flooder, 32, maxNew: 4), _now).IsAccepted);
        // The flooder has had the engine to itself for a while: dozens of its requests are admitted and done.
        for (int i = 0; i < 40; i++) Run(s, s.Schedule(_now));
        Assert.True(s.WaitingCount > 50);
        var mine = Seq(polite, 32, maxNew: 4);
        Assert.True(s.TryEnqueue(mine, _now).IsAccepted);
        int admissionsBefore = 0;
        while (mine.Status == SequenceStatus.Waiting)
        {
            var plan = s.Schedule(_now);
            admissionsBefore += plan.Admitted.TakeWhile(a => a != mine).Count();
            Run(s, plan);
        }
        Assert.Equal(0, admissionsBefore); // the next free slot is the polite tenant's
    }

    [Fact]
    public void ATenantWithNothingRunningTakesASlotAtOnceFromTheTenantHoldingThemAll()
    {
        var flooder = new TenantPolicy("flooder");
        var polite = new TenantPolicy("polite");
        var s = New(maxRunning: 2, budget: 64, maxQueue: 1000);
        var flood = Enumerable.Range(0, 6).Select(_ => Seq(flooder, 20, maxNew: 30)).ToList();
        foreach (var f in flood) Assert.True(s.TryEnqueue(f, _now).IsAccepted);
        for (int i = 0; i < 3; i++) Run(s, s.Schedule(_now)); // both slots decoding, for many steps to come
        Assert.Equal(2, s.Running.Count);
        var mine = Seq(polite, 20, maxNew: 4);
        Assert.True(s.TryEnqueue(mine, _now).IsAccepted);

        var plan = s.Schedule(_now);
        Assert.Equal([mine], plan.Admitted);
        var victim = Assert.Single(plan.Preempted);
        Assert.Same(flood[1], victim); // the newer of the two running: the least work to redo
        Assert.Contains(plan.Items, i => i.Sequence == flood[0]);
        Run(s, plan);

        // Everything still finishes, the victim with its full length after being recomputed, and nothing else is
        // preempted: the polite tenant now holds a slot, and a tenant is never left with none of its own.
        int preemptions = 1;
        for (int step = 0; step < 1000 && flood.Any(f => f.Status != SequenceStatus.Finished); step++)
        {
            var p = s.Schedule(_now);
            preemptions += p.Preempted.Count;
            Run(s, p);
        }
        Assert.Equal(SequenceStatus.Finished, mine.Status);
        Assert.All(flood, f => Assert.Equal(30, f.Generated));
        Assert.Equal(1, preemptions);
        Assert.Equal(1, victim.Preemptions);
    }

    [Fact]
    public void ASingleTenantOrATenantWithOneSlotIsNeverPreemptedForFairness()
    {
        var a = new TenantPolicy("a");
        var b = new TenantPolicy("b");
        var s = New(maxRunning: 2, budget: 64, maxQueue: 1000);
        for (int i = 0; i < 4; i++) Assert.True(s.TryEnqueue(Seq(a, 20, maxNew: 30), _now).IsAccepted);
        Run(s, s.Schedule(_now));
        // Alone, a's queue waits for its own slots.
        for (int i = 0; i < 3; i++) Assert.Empty(s.Schedule(_now).Preempted);
        var sb = New(maxRunning: 2, budget: 64, maxQueue: 1000);
        Assert.True(sb.TryEnqueue(Seq(a, 20, maxNew: 30), _now).IsAccepted);
        Assert.True(sb.TryEnqueue(Seq(b, 20, maxNew: 30), _now).IsAccepted);
        Run(sb, sb.Schedule(_now));
        Assert.True(sb.TryEnqueue(Seq(b, 20, maxNew: 30), _now).IsAccepted);
        // a holds one slot of two and b the other: b's second request waits, nobody is preempted.
        for (int i = 0; i < 3; i++) Assert.Empty(sb.Schedule(_now).Preempted);
    }

    [Fact]
    public void BackloggedTenantsAlternateAndAnIdleTenantGetsNoCreditForItsIdleTime()
    {
        var a = new TenantPolicy("a");
        var b = new TenantPolicy("b");
        var s = New(maxRunning: 1, budget: 64, maxQueue: 1000);
        for (int i = 0; i < 30; i++) Assert.True(s.TryEnqueue(Seq(a, 16, maxNew: 1), _now).IsAccepted);
        var admitted = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            var plan = s.Schedule(_now);
            admitted.AddRange(plan.Admitted.Select(x => x.Tenant.Name));
            Run(s, plan);
        }
        // b arrives after a has been served alone: b then alternates with a instead of taking 20 turns in a row.
        for (int i = 0; i < 10; i++) Assert.True(s.TryEnqueue(Seq(b, 16, maxNew: 1), _now).IsAccepted);
        admitted.Clear();
        while (admitted.Count < 8)
        {
            var plan = s.Schedule(_now);
            admitted.AddRange(plan.Admitted.Select(x => x.Tenant.Name));
            Run(s, plan);
        }
        Assert.Equal(["b", "a", "b", "a", "b", "a", "b", "a"], admitted.Take(8));
    }

    [Fact]
    public void WhenBlocksRunOutTheNewestSequenceIsPreemptedAndRecomputedLater()
    {
        // 4 blocks of 4 tokens: two sequences of 6 prompt tokens need 2 blocks each, then more to decode.
        var s = New(maxRunning: 4, budget: 32, blockSize: 4, blocks: 4);
        var older = Seq(TenantPolicy.Anonymous, 6, maxNew: 6);
        var newer = Seq(TenantPolicy.Anonymous, 6, maxNew: 6, firstToken: 100);
        Assert.True(s.TryEnqueue(older, _now).IsAccepted);
        Assert.True(s.TryEnqueue(newer, _now).IsAccepted);
        Run(s, s.Schedule(_now));
        Assert.Equal(0, s.Blocks.AvailableBlocks);
        ScheduledSequence? preempted = null;
        for (int step = 0; step < 10 && preempted is null; step++)
        {
            var plan = s.Schedule(_now);
            preempted = plan.Preempted.FirstOrDefault();
            Run(s, plan);
        }
        Assert.Same(newer, preempted);
        Assert.Equal(SequenceStatus.Waiting, newer.Status);
        Assert.Equal(0, newer.Computed);
        Assert.Empty(newer.Blocks);
        Assert.Equal(1, newer.Preemptions);
        // The older one finishes, then the newer one is recomputed (prompt plus what it had generated) and finishes too.
        for (int step = 0; step < 40 && newer.Status != SequenceStatus.Finished; step++) Run(s, s.Schedule(_now));
        Assert.Equal(SequenceStatus.Finished, older.Status);
        Assert.Equal(SequenceStatus.Finished, newer.Status);
        Assert.Equal(6, newer.Generated);
        Assert.Equal(4, s.Blocks.AvailableBlocks);
    }

    [Fact]
    public void ASharedPromptPrefixReusesCachedBlocks()
    {
        var s = New(budget: 256, blockSize: 16);
        var system = Enumerable.Range(1000, 40).ToArray(); // 2 full blocks and 8 more tokens
        var first = new ScheduledSequence(1, TenantPolicy.Anonymous, system.Concat(new[] { 1, 2, 3 }).ToArray(), 4, _now);
        Assert.True(s.TryEnqueue(first, _now).IsAccepted);
        Run(s, s.Schedule(_now));
        Assert.Equal(2, s.Blocks.CachedBlocks);

        var second = new ScheduledSequence(2, TenantPolicy.Anonymous, system.Concat(new[] { 9, 9 }).ToArray(), 4, _now);
        Assert.True(s.TryEnqueue(second, _now).IsAccepted);
        var plan = s.Schedule(_now);
        Assert.Contains(second, plan.Admitted);
        Assert.Equal(32, second.CachedPromptTokens);
        var chunk = Assert.Single(plan.Items, i => i.Sequence == second);
        Assert.Equal(32, chunk.Start);
        Assert.Equal(42 - 32, chunk.Count);
        Assert.Equal(first.Blocks.Take(2), second.Blocks.Take(2));
        Assert.Equal(2, s.Blocks.ReferenceCount(first.Blocks[0]));
        Assert.Equal(1, s.PrefixCacheHits);

        // Released blocks stay cached until their space is needed.
        s.Finish(first);
        s.Finish(second);
        Assert.Equal(256, s.Blocks.AvailableBlocks);
        var third = new ScheduledSequence(3, TenantPolicy.Anonymous, system, 4, _now);
        Assert.True(s.TryEnqueue(third, _now).IsAccepted);
        s.Schedule(_now);
        Assert.Equal(32, third.CachedPromptTokens);
    }

    [Fact]
    public void AFullyCachedPromptStillComputesItsLastToken()
    {
        var s = New(budget: 256, blockSize: 16);
        var prompt = Enumerable.Range(0, 32).ToArray();
        var a = new ScheduledSequence(1, TenantPolicy.Anonymous, prompt, 1, _now);
        s.TryEnqueue(a, _now);
        Run(s, s.Schedule(_now));
        var b = new ScheduledSequence(2, TenantPolicy.Anonymous, prompt, 1, _now);
        s.TryEnqueue(b, _now);
        var plan = s.Schedule(_now);
        var item = Assert.Single(plan.Items, i => i.Sequence == b);
        Assert.Equal(16, item.Start); // only the first block is reused: the second holds the token to sample from
        Assert.True(item.Sample);
    }

    [Fact]
    public void FinishingAWaitingRequestRemovesItFromTheQueue()
    {
        var team = new TenantPolicy("t", MaxConcurrent: 1);
        var s = New(maxRunning: 1);
        var a = Seq(team, 8);
        s.TryEnqueue(a, _now);
        Assert.Equal(1, s.WaitingCount);
        s.Finish(a);
        Assert.Equal(0, s.WaitingCount);
        Assert.Equal(0, s.InFlight("t"));
        Assert.True(s.Schedule(_now).IsEmpty);
    }

    [Fact]
    public void RequestsLargerThanTheContextOrCacheAreRejected()
    {
        var s = new Scheduler(new SchedulerOptions { ContextLength = 128, BlockSize = 16, BlockCount = 4, TokenBudget = 64 });
        var r = s.TryEnqueue(Seq(TenantPolicy.Anonymous, 100, maxNew: 50), _now);
        Assert.Equal(RejectionReason.TooLarge, r.Reason);
        Assert.Contains("100", r.Message);
        Assert.Contains("150", r.Message);
        var kv = s.TryEnqueue(Seq(TenantPolicy.Anonymous, 60, maxNew: 10), _now);
        Assert.Equal(RejectionReason.TooLarge, kv.Reason);
        Assert.Contains("KV cache", kv.Message);
    }

    [Fact]
    public void DrainingRefusesNewWork()
    {
        var s = New();
        s.StartDraining();
        Assert.Equal(RejectionReason.Draining, s.TryEnqueue(Seq(TenantPolicy.Anonymous, 8), _now).Reason);
    }
}
