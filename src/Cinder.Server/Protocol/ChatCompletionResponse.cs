using System.Text.Json.Serialization;

namespace Cinder.Server.Protocol;

/// <summary>A non-streamed chat completion.</summary>
internal sealed record ChatCompletionResponse(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    public string Object => "chat.completion";
    public string SystemFingerprint => ServerInfo.SystemFingerprint;
}

internal sealed record ChatChoice(int Index, AssistantMessage Message, string FinishReason)
{
    public object? Logprobs => null;
}

internal sealed record AssistantMessage(string Content)
{
    public string Role => "assistant";
}

/// <summary>One server-sent event of a streamed chat completion.</summary>
internal sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices)
{
    public string Object => "chat.completion.chunk";
    public string SystemFingerprint => ServerInfo.SystemFingerprint;

    /// <summary>Only the last chunk carries usage, and only with stream_options.include_usage.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Usage? Usage { get; init; }
}

internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, string? FinishReason)
{
    public object? Logprobs => null;
}

internal sealed record ChatDelta
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; init; }
}
