using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cinder.Server.Tests;

/// <summary>Every refusal in OpenAI's error shape with the right status; bad input never yields 5xx and the server keeps serving.</summary>
[Collection(ServerCollection.Name)]
public sealed class ErrorTests(ServerFixture fixture)
{
    private static readonly object Hi = new[] { new { role = "user", content = "Hi" } };

    /// <summary>The body is exactly {"error": {"message", "type", "param", "code"}}; returns the error object.</summary>
    private static JsonObject AssertOpenAiError(JsonNode? body)
    {
        Assert.NotNull(body);
        var root = body!.AsObject();
        Assert.Equal(["error"], root.Select(p => p.Key));
        var error = root["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], error.Select(p => p.Key));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["type"]));
        return error;
    }

    private async Task<(int Status, JsonObject Error)> RawAsync(string path, HttpContent content, string? key = ServerFixture.KeyA)
    {
        using var http = fixture.Http(key);
        using var response = await http.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, AssertOpenAiError(JsonNode.Parse(body)));
    }

    [Theory]
    [InlineData("{\"messages\": [")]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public async Task MalformedJsonIs400(string body)
    {
        var (status, error) = await RawAsync("/v1/chat/completions", ServerFixture.Json(body));
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("invalid_json", (string?)error["code"]);
    }

    [Theory]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 3}", "temperature")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": \"hot\"}", "temperature")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"top_p\": 0}", "top_p")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"presence_penalty\": 2.5}", "presence_penalty")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"frequency_penalty\": -3}", "frequency_penalty")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 0}", "max_tokens")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_completion_tokens\": -5}", "max_completion_tokens")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"n\": 2}", "n")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"logprobs\": true}", "logprobs")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stop\": [\"a\", 3]}", "stop[1]")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stop\": \"\"}", "stop")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}", "tools")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"response_format\": {\"type\": \"json_object\"}}", "response_format")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stream_options\": {\"include_usage\": true}}", "stream_options")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:,\"}}]}]}", "messages[0].content[0].type")]
    [InlineData("{\"messages\": [{\"role\": \"wizard\", \"content\": \"Hi\"}]}", "messages[0].role")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content")]
    [InlineData("{\"messages\": []}", "messages")]
    [InlineData("{\"model\": \"stories260K\"}", "messages")]
    public async Task ABadChatParameterIs400NamingIt(string body, string param)
    {
        var (status, error) = await RawAsync("/v1/chat/completions", ServerFixture.Json(body));
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
    }

    [Theory]
    [InlineData("{\"prompt\": [\"one\", \"two\"]}", "prompt")]
    [InlineData("{\"prompt\": [1, 99999]}", "prompt[1]")]
    [InlineData("{\"prompt\": \"Hi\", \"echo\": true}", "echo")]
    [InlineData("{\"prompt\": \"Hi\", \"best_of\": 3}", "best_of")]
    [InlineData("{\"prompt\": \"Hi\", \"logprobs\": 5}", "logprobs")]
    [InlineData("{\"prompt\": \"Hi\", \"suffix\": \"end\"}", "suffix")]
    [InlineData("{\"prompt\": \"Hi\", \"logit_bias\": {\"50\": 10}}", "logit_bias")]
    [InlineData("{\"max_tokens\": 3}", "prompt")]
    public async Task ABadCompletionParameterIs400NamingIt(string body, string param)
    {
        var (status, error) = await RawAsync("/v1/completions", ServerFixture.Json(body));
        Assert.Equal(400, status);
        Assert.Equal(param, (string?)error["param"]);
    }

    [Fact]
    public async Task APromptPlusMaxTokensBeyondTheContextIs400WithBothNumbers()
    {
        var (status, error) = await RawAsync("/v1/completions", ServerFixture.Json(new { prompt = "Once upon a time", max_tokens = 200 }));
        Assert.Equal(400, status);
        Assert.Equal("context_length_exceeded", (string?)error["code"]);
        Assert.Equal("max_tokens", (string?)error["param"]);
        var message = (string)error["message"]!;
        Assert.Contains("128", message); // the context
        Assert.Contains("5 in the prompt", message);
        Assert.Contains("max_tokens 200", message);

        // A prompt that alone fills the context, with no max_tokens: refused too, never truncated.
        var longPrompt = string.Join(' ', Enumerable.Repeat("the dog", 100));
        var (status2, error2) = await RawAsync("/v1/completions", ServerFixture.Json(new { prompt = longPrompt }));
        Assert.Equal(400, status2);
        Assert.Equal("context_length_exceeded", (string?)error2["code"]);
        Assert.Equal("prompt", (string?)error2["param"]);
        Assert.Contains("128", (string)error2["message"]!);
    }

    [Fact]
    public async Task AMissingOrWrongKeyIs401()
    {
        var (missing, e1) = await RawAsync("/v1/chat/completions", ServerFixture.Json(new { messages = Hi }), key: null);
        Assert.Equal(401, missing);
        Assert.Equal("missing_api_key", (string?)e1["code"]);
        var (wrong, e2) = await RawAsync("/v1/chat/completions", ServerFixture.Json(new { messages = Hi }), key: "sk-team-a-012345678X");
        Assert.Equal(401, wrong);
        Assert.Equal("invalid_api_key", (string?)e2["code"]);
        Assert.DoesNotContain("sk-", (string)e2["message"]!);

        // Every /v1 route needs the key, GETs and unknown routes included.
        using var anonymous = fixture.Http(null);
        Assert.Equal(401, (int)(await anonymous.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(401, (int)(await anonymous.GetAsync("/v1/nothing-here")).StatusCode);
        using var basic = fixture.Http(null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"x:{ServerFixture.KeyA}")));
        Assert.Equal(401, (int)(await basic.GetAsync("/v1/models")).StatusCode);
        // /health and /metrics are for load balancers and scrapers: no key.
        Assert.Equal(200, (int)(await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (int)(await anonymous.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task AnUnknownModelIs404()
    {
        var (status, error) = await RawAsync("/v1/chat/completions", ServerFixture.Json(new { model = "gpt-4o", messages = Hi }));
        Assert.Equal(404, status);
        Assert.Equal("model_not_found", (string?)error["code"]);
        Assert.Equal("model", (string?)error["param"]);
        using var http = fixture.Http();
        using var response = await http.GetAsync("/v1/models/gpt-4o");
        Assert.Equal(404, (int)response.StatusCode);
        AssertOpenAiError(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task AnUnknownRouteIs404AndAWrongMethod405()
    {
        using var http = fixture.Http();
        using var unknown = await http.PostAsync("/v1/embeddings", ServerFixture.Json(new { input = "x" }));
        Assert.Equal(404, (int)unknown.StatusCode);
        Assert.Equal("unknown_url", (string?)AssertOpenAiError(JsonNode.Parse(await unknown.Content.ReadAsStringAsync()))["code"]);
        using var outside = await http.GetAsync("/nowhere");
        Assert.Equal(404, (int)outside.StatusCode);
        AssertOpenAiError(JsonNode.Parse(await outside.Content.ReadAsStringAsync()));
        using var method = await http.GetAsync("/v1/chat/completions");
        Assert.Equal(405, (int)method.StatusCode);
        AssertOpenAiError(JsonNode.Parse(await method.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task AnOversizeBodyIs413()
    {
        var huge = new string('a', (int)ServerFixture.MaxBody + 1000);
        var (status, error) = await RawAsync("/v1/completions", ServerFixture.Json(new { prompt = huge }));
        Assert.Equal(413, status);
        Assert.Equal("request_too_large", (string?)error["code"]);

        // Without a Content-Length (chunked), the limit holds as the body streams in.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"prompt\": \"{huge}\"}}")));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var http = fixture.Http();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task AfterBadInputTheServerIsHealthyAndServes()
    {
        foreach (var body in new[] { "{", "{\"messages\": 5}", "{\"prompt\": {}}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" })
        {
            var (status, _) = await RawAsync("/v1/completions", ServerFixture.Json(body));
            Assert.InRange(status, 400, 499);
        }
        using var http = fixture.Http(null);
        Assert.Equal(200, (int)(await http.GetAsync("/health")).StatusCode);
        var (ok, answer, _) = await fixture.PostAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 3 });
        Assert.Equal(200, ok);
        Assert.Equal(3, (int)answer!["usage"]!["completion_tokens"]!);
        Assert.DoesNotContain(fixture.Log, line => line.Contains("error", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheLogNeverHoldsAKey()
    {
        Assert.NotEmpty(fixture.Log);
        Assert.DoesNotContain(fixture.Log, line => line.Contains("sk-", StringComparison.Ordinal));
    }
}
