using System.Text.Json;

namespace Cinder.LoadTest;

/// <summary>
/// What one <c>data:</c> payload of an OpenAI streaming response says, for timing purposes: how much content it
/// carries, whether it finishes the choice, the usage it reports, and any error.
/// </summary>
/// <param name="Done">The payload was the <c>[DONE]</c> sentinel.</param>
/// <param name="ContentChars">Characters of generated text (<c>choices[0].text</c>, or <c>delta.content</c> plus <c>delta.reasoning_content</c>).</param>
/// <param name="FinishReason"><c>choices[0].finish_reason</c> when set.</param>
/// <param name="PromptTokens"><c>usage.prompt_tokens</c> when present.</param>
/// <param name="CompletionTokens"><c>usage.completion_tokens</c> when present.</param>
/// <param name="Error">The message of an <c>error</c> object (or string) in the payload.</param>
public sealed record StreamChunk(bool Done, int ContentChars, string? FinishReason, int? PromptTokens, int? CompletionTokens, string? Error)
{
    private static readonly StreamChunk DoneChunk = new(true, 0, null, null, null, null);

    /// <summary>Whether the chunk carries generated text (the first such chunk marks time to first token).</summary>
    public bool HasContent => ContentChars > 0;

    /// <summary>Interprets one event's data.</summary>
    /// <exception cref="JsonException">The data is neither <c>[DONE]</c> nor JSON.</exception>
    public static StreamChunk Parse(string data)
    {
        if (data.AsSpan().Trim().SequenceEqual("[DONE]")) return DoneChunk;
        using var doc = JsonDocument.Parse(data);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException($"expected a JSON object in the event stream, got {root.ValueKind}");
        string? error = null;
        if (root.TryGetProperty("error", out var err) && err.ValueKind != JsonValueKind.Null)
        {
            error = err.ValueKind switch
            {
                JsonValueKind.String => err.GetString(),
                JsonValueKind.Object when err.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String => m.GetString(),
                _ => err.GetRawText(),
            } ?? "error";
        }
        int chars = 0;
        string? finish = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var c = choices[0];
            if (c.ValueKind == JsonValueKind.Object)
            {
                if (c.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) chars += text.GetString()!.Length;
                if (c.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String) chars += content.GetString()!.Length;
                    if (delta.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.String) chars += reasoning.GetString()!.Length;
                }
                if (c.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String) finish = fr.GetString();
            }
        }
        int? promptTokens = null, completionTokens = null;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            if (usage.TryGetProperty("prompt_tokens", out var pt) && pt.ValueKind == JsonValueKind.Number && pt.TryGetInt32(out int p)) promptTokens = p;
            if (usage.TryGetProperty("completion_tokens", out var ct) && ct.ValueKind == JsonValueKind.Number && ct.TryGetInt32(out int q)) completionTokens = q;
        }
        return new StreamChunk(false, chars, finish, promptTokens, completionTokens, error);
    }
}
