using System.Text.Json.Serialization;

namespace Cinder.Server.Protocol;

/// <summary>A completion (also the shape of each streamed event, with the text so far in pieces).</summary>
internal sealed record CompletionResponse(string Id, long Created, string Model, IReadOnlyList<CompletionChoice> Choices)
{
    public string Object => "text_completion";
    public string SystemFingerprint => ServerInfo.SystemFingerprint;

    /// <summary>Always set on a non-streamed response; on a stream only in the last event, with stream_options.include_usage.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Usage? Usage { get; init; }
}

internal sealed record CompletionChoice(int Index, string Text, string? FinishReason)
{
    public object? Logprobs => null;
}
