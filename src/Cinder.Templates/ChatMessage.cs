namespace Cinder.Templates;

/// <summary>One message of a conversation as a chat template sees it: <c>message['role']</c>, <c>message['content']</c>.</summary>
/// <param name="Role">"system", "user", "assistant", "tool", ...</param>
/// <param name="Content">The text; null prints as "None" in a template, as in transformers.</param>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>
    /// Further message keys the template can read (<c>tool_calls</c>, <c>tool_call_id</c>, <c>name</c>), as plain data:
    /// strings, numbers, booleans, null, lists, string-keyed dictionaries or JSON values. "role" and "content" cannot be overridden here.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Fields { get; init; }
}
