using System.Text.Json;

namespace Cinder.Server.Protocol;

/// <summary>POST /v1/completions (OpenAI's legacy completions) plus llama.cpp's extensions.</summary>
internal sealed record CompletionRequest
{
    public string? Model { get; init; }
    /// <summary>A string, a list holding one string, or a list of token ids.</summary>
    public JsonElement? Prompt { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public double? MinP { get; init; }
    public double? RepeatPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public long? Seed { get; init; }
    public int? MaxTokens { get; init; }
    public JsonElement? Stop { get; init; }
    public bool? Stream { get; init; }
    public StreamOptionsDto? StreamOptions { get; init; }
    public bool? IgnoreEos { get; init; }
    public int? N { get; init; }
    public int? BestOf { get; init; }
    public bool? Echo { get; init; }
    public JsonElement? Logprobs { get; init; }
    public string? Suffix { get; init; }
    public JsonElement? LogitBias { get; init; }
    public string? User { get; init; }
}
