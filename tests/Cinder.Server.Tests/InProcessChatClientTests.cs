using System.Diagnostics;
using System.Text;
using Cinder.Server.InProcess;
using Cinder.TestSupport;
using Microsoft.Extensions.AI;

namespace Cinder.Server.Tests;

/// <summary>The in-process <see cref="IChatClient"/>: same answers as the HTTP server, streaming, options, errors, cancellation.</summary>
[Collection(ServerCollection.Name)]
public sealed class InProcessChatClientTests(ServerFixture fixture) : IDisposable
{
    private readonly CinderChatClient _client = CinderChatClient.Load(new ModelHostOptions { ModelPath = SharedData.Stories260K, Threads = 1, Parallel = 2 });

    private static readonly List<ChatMessage> Dog = [new(ChatRole.User, "A dog.")];

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task TheGreedyAnswerIsTheServersAnswer()
    {
        var response = await _client.GetResponseAsync(Dog, new ChatOptions { Temperature = 0, MaxOutputTokens = 30 });
        var (_, body, _) = await fixture.PostAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "A dog." } }, temperature = 0, max_tokens = 30 });
        Assert.Equal((string?)body!["choices"]![0]!["message"]!["content"], response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal((long)body["usage"]!["prompt_tokens"]!, response.Usage!.InputTokenCount);
        Assert.Equal(30, response.Usage.OutputTokenCount);
        Assert.Equal("stories260K", response.ModelId);
        Assert.Equal(ChatRole.Assistant, response.Messages[0].Role);
    }

    [Fact]
    public async Task StreamingYieldsTheSameTextThenTheFinishReasonAndUsage()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 30 };
        var whole = await _client.GetResponseAsync(Dog, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in _client.GetStreamingResponseAsync(Dog, options)) updates.Add(update);
        Assert.True(updates.Count > 5);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>());
        Assert.Equal(30, usage.Details.OutputTokenCount);
        // The updates combine into the same response, as Microsoft.Extensions.AI merges them.
        var merged = updates.ToChatResponse();
        Assert.Equal(whole.Text, merged.Text);
        Assert.Equal(30, merged.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task OptionsAreHonoured()
    {
        string full = (await _client.GetResponseAsync(Dog, new ChatOptions { Temperature = 0, MaxOutputTokens = 60 })).Text;
        string stop = full.Substring(full.Length / 2, 3);
        var stopped = await _client.GetResponseAsync(Dog, new ChatOptions { Temperature = 0, MaxOutputTokens = 60, StopSequences = [stop] });
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);

        var seeded = new ChatOptions { Temperature = 1, TopP = 1, Seed = 7, MaxOutputTokens = 30 };
        Assert.Equal((await _client.GetResponseAsync(Dog, seeded)).Text, (await _client.GetResponseAsync(Dog, seeded)).Text);

        // Instructions become a leading system message.
        var instructed = await _client.GetResponseAsync(Dog, new ChatOptions { Temperature = 0, MaxOutputTokens = 5, Instructions = "Be kind." });
        var explicitSystem = await _client.GetResponseAsync([new(ChatRole.System, "Be kind."), .. Dog], new ChatOptions { Temperature = 0, MaxOutputTokens = 5 });
        Assert.Equal(explicitSystem.Text, instructed.Text);
        Assert.Equal(explicitSystem.Usage!.InputTokenCount, instructed.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task UnsupportedOrOversizedRequestsThrowTypedErrors()
    {
        var tooLong = await Assert.ThrowsAsync<ContextLengthExceededException>(() => _client.GetResponseAsync(Dog, new ChatOptions { MaxOutputTokens = 1000 }));
        Assert.Equal(1000, tooLong.MaxTokens);
        Assert.Equal(128, tooLong.ContextLength);
        var tool = AIFunctionFactory.Create(() => "sunny", "weather");
        await Assert.ThrowsAsync<NotSupportedException>(() => _client.GetResponseAsync(Dog, new ChatOptions { Tools = [tool] }));
        await Assert.ThrowsAsync<NotSupportedException>(() => _client.GetResponseAsync([new(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.GetResponseAsync(Dog, new ChatOptions { TopP = 0 }));
        Assert.Equal("stories260K", _client.GetService<ChatClientMetadata>()?.DefaultModelId);
    }

    [Fact]
    public async Task LeavingAStreamEarlyFreesTheSequence()
    {
        var host = _client.GetService<ModelHost>()!;
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 80, AdditionalProperties = new() { ["ignore_eos"] = true } };
        await foreach (var update in _client.GetStreamingResponseAsync(Dog, options)) break;
        var clock = Stopwatch.StartNew();
        while (host.Engine.RunningCount > 0 && clock.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        Assert.Equal(0, host.Engine.RunningCount);

        using var cancel = new CancellationTokenSource();
        var text = new StringBuilder();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in _client.GetStreamingResponseAsync(Dog, options, cancel.Token))
            {
                text.Append(update.Text);
                cancel.Cancel();
            }
        });
        clock.Restart();
        while (host.Engine.RunningCount > 0 && clock.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        Assert.Equal(0, host.Engine.RunningCount);
    }
}
