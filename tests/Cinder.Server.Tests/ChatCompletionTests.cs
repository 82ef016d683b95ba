using System.ClientModel;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental in the SDK

namespace Cinder.Server.Tests;

/// <summary>/v1/chat/completions through the official OpenAI .NET SDK and Microsoft.Extensions.AI's OpenAI adapter.</summary>
[Collection(ServerCollection.Name)]
public sealed class ChatCompletionTests(ServerFixture fixture)
{
    // Short: the demo model has 128 positions and its vocabulary spells chatml's markers out letter by letter.
    private static readonly List<OpenAI.Chat.ChatMessage> Story = [new UserChatMessage("A dog.")];

    private ChatClient Chat(string key = ServerFixture.KeyA) => fixture.OpenAi(key).GetChatClient(ServerFixture.Model);

    private static ChatCompletionOptions Greedy(int max = 24) => new() { Temperature = 0, MaxOutputTokenCount = max };

    [Fact]
    public async Task ANonStreamedAnswerHasTextUsageAndFinishReason()
    {
        ChatCompletion answer = await Chat().CompleteChatAsync(Story, Greedy(24));
        Assert.Equal(ChatMessageRole.Assistant, answer.Role);
        Assert.False(string.IsNullOrEmpty(answer.Content[0].Text));
        Assert.Equal(ChatFinishReason.Length, answer.FinishReason);
        Assert.Equal(ServerFixture.Model, answer.Model);
        Assert.StartsWith("chatcmpl-", answer.Id);
        Assert.Equal(24, answer.Usage.OutputTokenCount);
        Assert.True(answer.Usage.InputTokenCount > 10, $"the chat template adds role markers: {answer.Usage.InputTokenCount} prompt tokens");
        Assert.Equal(answer.Usage.InputTokenCount + answer.Usage.OutputTokenCount, answer.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task TheStreamEqualsTheNonStreamedAnswerAtTemperatureZero()
    {
        ChatCompletion whole = await Chat().CompleteChatAsync(Story, Greedy(40));
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        int updates = 0;
        await foreach (var update in Chat().CompleteChatStreamingAsync(Story, Greedy(40)))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.True(updates > 5, $"the answer came in {updates} updates, not as it was generated");
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage); // the SDK asks for stream_options.include_usage
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(40, usage.OutputTokenCount);
    }

    [Fact]
    public async Task AStopSequenceEndsTheAnswerBeforeIt()
    {
        string full = (await Chat().CompleteChatAsync(Story, Greedy(60))).Value.Content[0].Text;
        // A stop string from the middle of the greedy answer: the answer ends right before its first occurrence.
        string stop = full.Substring(full.Length / 2, 3);
        var options = Greedy(60);
        options.StopSequences.Add(stop);
        ChatCompletion stopped = await Chat().CompleteChatAsync(Story, options);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], stopped.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task SeededSamplingIsReproducible()
    {
        ChatCompletionOptions Seeded(long seed) => new() { Temperature = 1.0f, TopP = 1.0f, Seed = seed, MaxOutputTokenCount = 32 };
        string first = (await Chat().CompleteChatAsync(Story, Seeded(1234))).Value.Content[0].Text;
        string again = (await Chat(ServerFixture.KeyB).CompleteChatAsync(Story, Seeded(1234))).Value.Content[0].Text;
        string other = (await Chat().CompleteChatAsync(Story, Seeded(98765))).Value.Content[0].Text;
        string greedy = (await Chat().CompleteChatAsync(Story, Greedy(32))).Value.Content[0].Text;
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.NotEqual(first, greedy);
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        var models = (await fixture.OpenAi().GetOpenAIModelClient().GetModelsAsync()).Value;
        var model = Assert.Single(models);
        Assert.Equal(ServerFixture.Model, model.Id);
        Assert.Equal("cinder", model.OwnedBy);
        var one = (await fixture.OpenAi().GetOpenAIModelClient().GetModelAsync(ServerFixture.Model)).Value;
        Assert.Equal(ServerFixture.Model, one.Id);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiAdapterGetsTheSameAnswersStreamedAndNot()
    {
        IChatClient client = fixture.OpenAi(ServerFixture.KeyA2).GetChatClient(ServerFixture.Model).AsIChatClient();
        List<AiChatMessage> messages = [new(ChatRole.User, "A dog.")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 24 };
        ChatResponse response = await client.GetResponseAsync(messages, options);
        var streamed = new StringBuilder();
        AiChatFinishReason? finish = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            streamed.Append(update.Text);
            finish ??= update.FinishReason;
        }
        ChatCompletion sdk = await Chat().CompleteChatAsync(Story, Greedy(24));
        Assert.Equal(sdk.Content[0].Text, response.Text);
        Assert.Equal(response.Text, streamed.ToString());
        Assert.Equal(AiChatFinishReason.Length, response.FinishReason);
        Assert.Equal(AiChatFinishReason.Length, finish);
        Assert.Equal(24, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task ContentPartsAreReadAsText()
    {
        var parts = new UserChatMessage(ChatMessageContentPart.CreateTextPart("A "), ChatMessageContentPart.CreateTextPart("dog."));
        var text = (await Chat().CompleteChatAsync([parts], Greedy(16))).Value.Content[0].Text;
        var plain = (await Chat().CompleteChatAsync(Story, Greedy(16))).Value.Content[0].Text;
        Assert.Equal(plain, text);
    }

    [Fact]
    public async Task IgnoreEosAndMaxTokensAreHonouredOverRawHttp()
    {
        var (status, body, _) = await fixture.PostAsync("/v1/chat/completions", new
        {
            model = ServerFixture.Model,
            messages = new[] { new { role = "user", content = "Hi" } },
            temperature = 0,
            max_tokens = 70,
            ignore_eos = true,
        });
        Assert.Equal(200, status);
        Assert.Equal(70, (int)body!["usage"]!["completion_tokens"]!);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.Equal("chat.completion", (string?)body["object"]);
    }

    [Fact]
    public async Task TheSdkSeesErrorsAsClientResultExceptionsWithTheirStatus()
    {
        var wrongModel = await Assert.ThrowsAsync<ClientResultException>(() => fixture.OpenAi().GetChatClient("gpt-4o").CompleteChatAsync(Story, Greedy()));
        Assert.Equal(404, wrongModel.Status);
        var wrongKey = await Assert.ThrowsAsync<ClientResultException>(() => Chat("sk-wrong").CompleteChatAsync(Story, Greedy()));
        Assert.Equal(401, wrongKey.Status);
        var tooLong = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync(Story, Greedy(500)));
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("context_length_exceeded", tooLong.GetRawResponse()!.Content.ToString());
    }
}
