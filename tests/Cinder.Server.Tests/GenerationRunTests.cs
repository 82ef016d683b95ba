using System.Diagnostics;
using Cinder.Engine;
using Cinder.Server.Serving;
using Cinder.TestSupport;

namespace Cinder.Server.Tests;

/// <summary>
/// A response that ends early (a write to a reset connection fails, the SSE writer stops) disposes its run before
/// the request's abort signal may fire: disposing must stop the generation by itself, or it runs on to max_tokens
/// holding a slot and KV blocks with nobody reading.
/// </summary>
public sealed class GenerationRunTests
{
    [Fact]
    public async Task DisposingAnUnfinishedRunStopsItsGenerationWithoutAnyTokenFiring()
    {
        // The tiny model generates its 120 tokens in a few milliseconds: the engine is held after its first step
        // so that the run is surely unfinished when it is disposed, whatever else the machine is doing.
        var hold = new HoldAfterFirstStep();
        using var host = ModelHost.Load(new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 2 }, hold);
        var request = new GenerationRequest { PromptIds = [1, 403, 407], MaxTokens = 120, IgnoreEos = true };
        var run = GenerationRun.Start(host, request, CancellationToken.None, CancellationToken.None);
        try
        {
            await foreach (var _ in run.ReadAsync()) break; // the first piece of text, then the response "fails"
            Assert.Equal(1, hold.RunningAfterFirstStep);
            run.Dispose();
        }
        finally
        {
            hold.Release();
        }

        var clock = Stopwatch.StartNew();
        while (host.Engine.RunningCount > 0 && clock.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        Assert.Equal(0, host.Engine.RunningCount);
        CompletionEvent? done = null;
        while (run.Handle.Events.TryRead(out var e)) done = e as CompletionEvent ?? done;
        Assert.NotNull(done);
        Assert.Equal(FinishReason.Cancelled, done.Reason);
        Assert.InRange(done.CompletionTokens, 1, 119); // stopped, not run to max_tokens
    }

    /// <summary>Blocks the engine loop at the end of its first step until released (at most 10 s).</summary>
    private sealed class HoldAfterFirstStep : IEngineObserver
    {
        private readonly ManualResetEventSlim _released = new();
        private int _steps;

        public int RunningAfterFirstStep { get; private set; } = -1;

        public void Release() => _released.Set();

        public void StepCompleted(int sequences, int tokens, int running, int waiting, double kvUsage)
        {
            if (Interlocked.Increment(ref _steps) != 1) return;
            RunningAfterFirstStep = running;
            _released.Wait(TimeSpan.FromSeconds(10));
        }
    }
}
