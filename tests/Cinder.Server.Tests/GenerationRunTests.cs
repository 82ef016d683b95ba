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
        using var host = ModelHost.Load(new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 2 });
        var request = new GenerationRequest { PromptIds = [1, 403, 407], MaxTokens = 120, IgnoreEos = true };
        var run = GenerationRun.Start(host, request, CancellationToken.None, CancellationToken.None);
        await foreach (var _ in run.ReadAsync()) break; // the first piece of text, then the response "fails"
        Assert.Equal(1, host.Engine.RunningCount);
        run.Dispose();

        var clock = Stopwatch.StartNew();
        while (host.Engine.RunningCount > 0 && clock.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        Assert.Equal(0, host.Engine.RunningCount);
        CompletionEvent? done = null;
        while (run.Handle.Events.TryRead(out var e)) done = e as CompletionEvent ?? done;
        Assert.NotNull(done);
        Assert.Equal(FinishReason.Cancelled, done.Reason);
        Assert.InRange(done.CompletionTokens, 1, 119); // stopped, not run to max_tokens
    }
}
