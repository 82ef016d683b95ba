using System.Text.Json;
using Cinder.Engine.Sampling;
using Cinder.Engine.Scheduling;
using Cinder.Models;
using Cinder.TestSupport;

namespace Cinder.Engine.Tests;

/// <summary>The engine loop on the real demo model: golden ids, batching, stops, cancellation, prefix reuse.</summary>
public class EngineTests
{
    private static (int[] Prompt, int[] Ids, string Text) Golden(string name)
    {
        var g = JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/" + name))).RootElement;
        return (g.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                g.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                g.GetProperty("greedy_text").GetString()!);
    }

    private static InferenceEngine NewEngine(LanguageModel model, int maxRunning = 4, int budget = 64, int kvTokens = 1024) =>
        new(model, model.Tokenizer, new EngineOptions { Threads = 2, MaxRunning = maxRunning, TokenBudget = budget, KvTokens = kvTokens });

    private static async Task<(List<int> Ids, string Text, CompletionEvent Done)> Collect(GenerationHandle h)
    {
        var ids = new List<int>();
        var text = new System.Text.StringBuilder();
        CompletionEvent? done = null;
        await foreach (var e in h.Events.ReadAllAsync())
        {
            if (e is TokenEvent t)
            {
                if (t.TokenId >= 0) ids.Add(t.TokenId);
                text.Append(t.Text);
            }
            else done = (CompletionEvent)e;
        }
        return (ids, text.ToString(), done!);
    }

    [Fact]
    public async Task GreedyGenerationReproducesTheGoldenIdsAndText()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model);
        var (prompt, ids, text) = Golden("stories260K-2.json");
        var r = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 64, IgnoreEos = true }));
        Assert.Equal(ids, r.Ids);
        Assert.Equal(text, r.Text);
        Assert.Equal(FinishReason.Length, r.Done.Reason);
        Assert.Equal(prompt.Length, r.Done.PromptTokens);
        Assert.Equal(64, r.Done.CompletionTokens);
    }

    [Fact]
    public async Task BatchedSequencesGiveTheSameIdsAsAlone()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        // A budget smaller than the three prompts together forces chunked prefill mixed with decodes.
        using var engine = NewEngine(model, maxRunning: 3, budget: 8);
        var goldens = new[] { "stories260K-1.json", "stories260K-2.json", "stories260K-3.json" }.Select(Golden).ToArray();
        var handles = goldens.Select(g => engine.Submit(new GenerationRequest { PromptIds = g.Prompt, MaxTokens = 64, IgnoreEos = true })).ToArray();
        var results = await Task.WhenAll(handles.Select(Collect));
        for (int i = 0; i < goldens.Length; i++) Assert.Equal(goldens[i].Ids, results[i].Ids);
    }

    [Fact]
    public async Task ASequencePreemptedForAnotherTenantIsRecomputedAndEndsWithTheSameIds()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        var hold = new HoldWhenBothSlotsDecode();
        using var engine = new InferenceEngine(model, model.Tokenizer, new EngineOptions { Threads = 2, MaxRunning = 2, TokenBudget = 64, KvTokens = 1024 }, hold);
        var flooder = new TenantPolicy("flooder");
        var polite = new TenantPolicy("polite");
        var goldens = new[] { "stories260K-1.json", "stories260K-2.json", "stories260K-3.json" }.Select(Golden).ToArray();
        var first = engine.Submit(new GenerationRequest { PromptIds = goldens[0].Prompt, MaxTokens = 64, IgnoreEos = true, Tenant = flooder });
        var second = engine.Submit(new GenerationRequest { PromptIds = goldens[1].Prompt, MaxTokens = 64, IgnoreEos = true, Tenant = flooder });
        // Both slots are the flooder's once each has produced a token; the polite request then takes the newer one's.
        var started = new List<int>();
        foreach (var h in new[] { first, second })
        {
            await foreach (var e in h.Events.ReadAllAsync())
            {
                if (e is TokenEvent t) started.Add(t.TokenId);
                break;
            }
        }
        var third = engine.Submit(new GenerationRequest { PromptIds = goldens[2].Prompt, MaxTokens = 64, IgnoreEos = true, Tenant = polite });
        hold.Release();
        var results = await Task.WhenAll(new[] { first, second, third }.Select(Collect));
        Assert.Equal(["flooder"], hold.Preempted);
        Assert.Equal(goldens[0].Ids, results[0].Ids.Prepend(started[0]));
        Assert.Equal(goldens[1].Ids, results[1].Ids.Prepend(started[1]));
        Assert.Equal(goldens[2].Ids, results[2].Ids);
    }

    /// <summary>Holds the engine loop after the first step in which two sequences decode (at most 10 s); records preemptions.</summary>
    private sealed class HoldWhenBothSlotsDecode : IEngineObserver
    {
        private readonly ManualResetEventSlim _released = new();
        private bool _held;

        public List<string> Preempted { get; } = [];

        public void Release() => _released.Set();

        public void SequencePreempted(string tenant)
        {
            lock (Preempted) Preempted.Add(tenant);
        }

        public void StepCompleted(int sequences, int tokens, int running, int waiting, double kvUsage)
        {
            if (_held || sequences != 2 || tokens != 2) return;
            _held = true;
            _released.Wait(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task AStopSequenceEndsGenerationBeforeIt()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model);
        var (prompt, _, text) = Golden("stories260K-1.json");
        var r = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 64, Stop = new[] { "Lily", "zebra" } }));
        Assert.Equal(FinishReason.Stop, r.Done.Reason);
        Assert.Equal(text[..text.IndexOf("Lily", StringComparison.Ordinal)], r.Text);
    }

    [Fact]
    public async Task SeededSamplingIsReproducible()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model);
        var (prompt, _, _) = Golden("stories260K-3.json");
        var p = new SamplingParameters { Temperature = 1.0f, Seed = 1234 };
        var a = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 40, Sampling = p, IgnoreEos = true }));
        var b = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 40, Sampling = p, IgnoreEos = true }));
        var c = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 40, Sampling = p with { Seed = 99 }, IgnoreEos = true }));
        Assert.Equal(a.Ids, b.Ids);
        Assert.NotEqual(a.Ids, c.Ids);
    }

    [Fact]
    public async Task CancellingFreesTheSlotAndItsBlocks()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model, kvTokens: 2048);
        var (prompt, _, _) = Golden("stories260K-1.json");
        using var cts = new CancellationTokenSource();
        var h = engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 120, IgnoreEos = true }, cts.Token);
        int seen = 0;
        CompletionEvent? done = null;
        await foreach (var e in h.Events.ReadAllAsync())
        {
            if (e is TokenEvent && ++seen == 3) cts.Cancel();
            if (e is CompletionEvent c) done = c;
        }
        Assert.Equal(FinishReason.Cancelled, done!.Reason);
        Assert.True(done.CompletionTokens < 120);
        Assert.Equal(0, engine.RunningCount);
        Assert.Equal(0, engine.KvUsage);
    }

    [Fact]
    public async Task ASharedPrefixIsServedFromTheCache()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model);
        var prompt = model.Tokenizer.Encode("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it.", true, true);
        Assert.True(prompt.Length > 32);
        var first = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 16 }));
        var second = await Collect(engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 16 }));
        Assert.Equal(0, first.Done.CachedPromptTokens);
        Assert.Equal((prompt.Length - 1) / 16 * 16, second.Done.CachedPromptTokens);
        Assert.Equal(first.Ids, second.Ids);
    }

    [Fact]
    public void LimitsRejectAtSubmitWithTheReason()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var engine = NewEngine(model);
        var (prompt, _, _) = Golden("stories260K-1.json");
        var tooLong = Assert.Throws<AdmissionRejectedException>(() => engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 500 }));
        Assert.Equal(RejectionReason.TooLarge, tooLong.Reason);
        var tenant = new TenantPolicy("solo", MaxConcurrent: 1);
        var h = engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 100, IgnoreEos = true, Tenant = tenant });
        var busy = Assert.Throws<AdmissionRejectedException>(() => engine.Submit(new GenerationRequest { PromptIds = prompt, MaxTokens = 10, Tenant = tenant }));
        Assert.Equal(RejectionReason.TenantConcurrency, busy.Reason);
        h.Cancel();
    }
}
