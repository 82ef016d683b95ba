using System.Text.Json;

namespace Cinder.Server.Protocol;

/// <summary>POST /v1/chat/completions, as OpenAI defines it plus llama.cpp's extensions (top_k, min_p, repeat_penalty, ignore_eos).</summary>
/// <remarks>
/// Fields whose JSON type varies (<c>stop</c>, <c>tools</c>, ...) stay <see cref="JsonElement"/> and are interpreted by
/// <see cref="Serving.RequestReader"/>, which names the offending field in its error. Fields not listed are ignored.
/// </remarks>
internal sealed record ChatCompletionRequest
{
    public string? Model { get; init; }
    public List<ChatMessageDto?>? Messages { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public double? MinP { get; init; }
    public double? RepeatPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public long? Seed { get; init; }
    public int? MaxTokens { get; init; }
    public int? MaxCompletionTokens { get; init; }
    public JsonElement? Stop { get; init; }
    public bool? Stream { get; init; }
    public StreamOptionsDto? StreamOptions { get; init; }
    public bool? IgnoreEos { get; init; }
    public int? N { get; init; }
    public bool? Logprobs { get; init; }
    public int? TopLogprobs { get; init; }
    public JsonElement? LogitBias { get; init; }
    public JsonElement? Tools { get; init; }
    public JsonElement? ToolChoice { get; init; }
    public JsonElement? Functions { get; init; }
    public JsonElement? FunctionCall { get; init; }
    public JsonElement? ResponseFormat { get; init; }
    public string? User { get; init; }
}

/// <summary>One message of a chat request; content is a string or a list of content parts.</summary>
internal sealed record ChatMessageDto
{
    public string? Role { get; init; }
    public JsonElement? Content { get; init; }
    public string? Name { get; init; }
    public JsonElement? ToolCalls { get; init; }
}

/// <summary>stream_options.</summary>
internal sealed record StreamOptionsDto
{
    public bool? IncludeUsage { get; init; }
}
