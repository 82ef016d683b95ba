using System.Text.Json;
using System.Text.Json.Nodes;
using Cinder.TestSupport;

namespace Cinder.Server.Tests;

/// <summary>/v1/completions over raw HTTP (the OpenAI .NET SDK no longer exposes legacy completions).</summary>
[Collection(ServerCollection.Name)]
public sealed class CompletionTests(ServerFixture fixture)
{
    private static (string Prompt, int PromptTokens, string Text) Golden(string name)
    {
        var g = JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/" + name))).RootElement;
        return (g.GetProperty("prompt").GetString()!, g.GetProperty("prompt_ids").GetArrayLength(), g.GetProperty("greedy_text").GetString()!);
    }

    [Theory]
    [InlineData("stories260K-1.json")]
    [InlineData("stories260K-2.json")]
    [InlineData("stories260K-3.json")]
    public async Task GreedyCompletionReproducesLlamaCppsGreedyText(string golden)
    {
        var (prompt, promptTokens, text) = Golden(golden);
        var (status, body, _) = await fixture.PostAsync("/v1/completions", new { model = ServerFixture.Model, prompt, max_tokens = 64, temperature = 0, ignore_eos = true });
        Assert.Equal(200, status);
        Assert.Equal(text, (string?)body!["choices"]![0]!["text"]);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.Equal("text_completion", (string?)body["object"]);
        Assert.Equal(promptTokens, (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(64, (int)body["usage"]!["completion_tokens"]!);
        Assert.Equal(promptTokens + 64, (int)body["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task TheStreamEqualsTheNonStreamedCompletionAndEndsWithUsageAndDone()
    {
        var request = new { prompt = "Once upon a time", max_tokens = 50, temperature = 0 };
        var (_, whole, _) = await fixture.PostAsync("/v1/completions", request);
        using var http = fixture.Http();
        using var response = await Sse.OpenAsync(http, "/v1/completions", new { prompt = "Once upon a time", max_tokens = 50, temperature = 0, stream = true, stream_options = new { include_usage = true } });
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Sse.ReadAllAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal((string?)whole!["choices"]![0]!["text"], Sse.CompletionText(events));
        Assert.Equal((string?)whole["choices"]![0]!["finish_reason"], Sse.FinishReason(events));
        var usage = JsonNode.Parse(events[^2])!;
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal((int)whole["usage"]!["completion_tokens"]!, (int)usage["usage"]!["completion_tokens"]!);
        Assert.Equal((int)whole["usage"]!["prompt_tokens"]!, (int)usage["usage"]!["prompt_tokens"]!);
        // Without include_usage no event carries usage.
        using var plain = await Sse.OpenAsync(http, "/v1/completions", new { prompt = "Once upon a time", max_tokens = 5, temperature = 0, stream = true });
        Assert.All(await Sse.ReadAllAsync(plain), e => Assert.True(e == "[DONE]" || JsonNode.Parse(e)!["usage"] is null));
    }

    [Fact]
    public async Task StopSequencesAsAStringOrAListEndTheTextBeforeThem()
    {
        var (prompt, _, text) = Golden("stories260K-1.json");
        var (_, one, _) = await fixture.PostAsync("/v1/completions", new { prompt, max_tokens = 64, temperature = 0, stop = "Lily" });
        Assert.Equal(text[..text.IndexOf("Lily", StringComparison.Ordinal)], (string?)one!["choices"]![0]!["text"]);
        Assert.Equal("stop", (string?)one["choices"]![0]!["finish_reason"]);
        var (_, list, _) = await fixture.PostAsync("/v1/completions", new { prompt, max_tokens = 64, temperature = 0, stop = new[] { "zebra", "park" } });
        Assert.Equal(text[..text.IndexOf("park", StringComparison.Ordinal)], (string?)list!["choices"]![0]!["text"]);
        // Streamed, the held-back text never leaks the stop sequence either.
        using var http = fixture.Http();
        using var response = await Sse.OpenAsync(http, "/v1/completions", new { prompt, max_tokens = 64, temperature = 0, stop = "Lily", stream = true });
        var events = await Sse.ReadAllAsync(response);
        Assert.Equal((string?)one["choices"]![0]!["text"], Sse.CompletionText(events));
        Assert.Equal("stop", Sse.FinishReason(events));
    }

    [Fact]
    public async Task APromptOfTokenIdsOrAOneStringListIsTheSamePrompt()
    {
        var (prompt, _, text) = Golden("stories260K-3.json");
        var ids = JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/stories260K-3.json"))).RootElement.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (_, byIds, _) = await fixture.PostAsync("/v1/completions", new { prompt = ids, max_tokens = 64, temperature = 0, ignore_eos = true });
        var (_, byList, _) = await fixture.PostAsync("/v1/completions", new { prompt = new[] { prompt }, max_tokens = 64, temperature = 0, ignore_eos = true });
        Assert.Equal(text, (string?)byIds!["choices"]![0]!["text"]);
        Assert.Equal(text, (string?)byList!["choices"]![0]!["text"]);
    }

    [Fact]
    public async Task WithoutMaxTokensGenerationMayFillTheContextButNoMore()
    {
        var (status, body, _) = await fixture.PostAsync("/v1/completions", new { prompt = "Once upon a time", temperature = 0, ignore_eos = true });
        Assert.Equal(200, status);
        Assert.Equal(128 - 5, (int)body!["usage"]!["completion_tokens"]!);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task ARepeatedPromptIsServedFromThePrefixCache()
    {
        var request = new { prompt = "Lily and Tom went to the park with a big red ball and a little dog", max_tokens = 4, temperature = 0 };
        await fixture.PostAsync("/v1/completions", request);
        var (_, body, _) = await fixture.PostAsync("/v1/completions", request);
        Assert.True((int)body!["usage"]!["prompt_tokens_details"]!["cached_tokens"]! >= 16, body.ToJsonString());
        Assert.True(ServerFixture.Sample(await fixture.MetricsAsync(), "cinder_prefix_cache_hits_total{tenant=\"team-a\"}") >= 1);
    }
}
