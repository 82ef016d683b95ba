using System.Text.Json.Nodes;
using Cinder.TestSupport;

namespace Cinder.Server.Tests;

/// <summary>Until a model is loaded the server listens but is not ready: /health and /v1 answer 503.</summary>
[Collection(ServerCollection.Name)]
public sealed class ModelLoadTests
{
    [Fact]
    public async Task AModelThatFailsToLoadLeavesHealthAt503AndWhenReadyFaulted()
    {
        var dir = SharedData.NewTempDirectory("cinder-load");
        var path = Path.Combine(dir, "broken.gguf");
        File.WriteAllBytes(path, "GGUF\u0003\0\0\0 and then garbage"u8.ToArray());
        try
        {
            await using var server = await CinderServer.StartAsync(new ServerOptions { Model = new ModelHostOptions { ModelPath = path }, Port = 0 });
            await Assert.ThrowsAsync<Core.GgufFormatException>(() => server.WhenReady);
            Assert.Equal(ServerStatus.Failed, server.Status);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            using var health = await http.GetAsync("/health");
            Assert.Equal(503, (int)health.StatusCode);
            Assert.Equal("error", (string?)JsonNode.Parse(await health.Content.ReadAsStringAsync())!["status"]);
            using var completion = await http.PostAsync("/v1/completions", ServerFixture.Json(new { prompt = "Hi" }));
            Assert.Equal(503, (int)completion.StatusCode);
            Assert.Equal("model_failed", (string?)JsonNode.Parse(await completion.Content.ReadAsStringAsync())!["error"]!["code"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AnUnknownChatTemplateFailsTheLoadWithTheBuiltInNames()
    {
        await using var server = await CinderServer.StartAsync(new ServerOptions
        {
            Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, ChatTemplate = "no-such-template", Threads = 1 },
            Port = 0,
        });
        var e = await Assert.ThrowsAsync<ServerConfigurationException>(() => server.WhenReady);
        Assert.Contains("chatml", e.Message);
        Assert.Contains("llama3", e.Message);
    }

    [Fact]
    public async Task ABuiltInChatTemplateCanBeChosenByName()
    {
        await using var server = await CinderServer.StartAsync(new ServerOptions
        {
            Model = new ModelHostOptions { ModelPath = SharedData.Stories260K, ChatTemplate = "zephyr", Alias = "storyteller", Threads = 1 },
            Port = 0,
        });
        await server.WhenReady;
        Assert.Equal("zephyr", server.Model!.ChatTemplate.Name);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var models = JsonNode.Parse(await http.GetStringAsync("/v1/models"))!;
        Assert.Equal("storyteller", (string?)models["data"]![0]!["id"]);
        Assert.Equal("zephyr", (string?)models["data"]![0]!["meta"]!["chat_template"]);
        // zephyr writes "<|user|>\nHi</s>\n<|assistant|>\n": the prompt ids are the tokenizer's for exactly that text.
        var ids = server.Model.TokenizeChat([new Templates.ChatMessage("user", "Hi")]);
        Assert.Equal(server.Model.Tokenizer.Encode("<|user|>\nHi</s>\n<|assistant|>\n", addSpecial: true, parseSpecial: true), ids);
    }
}
