using System.Collections.Frozen;
using System.Reflection;

namespace Cinder.Templates;

/// <summary>
/// The real chat templates of common model families, byte for byte as their tokenizer_config.json ships them, for
/// models whose GGUF carries no <c>tokenizer.chat_template</c>, and for <c>--chat-template NAME</c>.
/// </summary>
/// <remarks>
/// chatml: transformers' default ChatML; llama2: meta-llama/Llama-2-7b-chat-hf; llama3: Meta-Llama-3-8B-Instruct;
/// llama3.1: Llama-3.1-8B-Instruct (also 3.3); mistral: Mistral-7B-Instruct-v0.2 (v1 format with system prompt);
/// phi3: Phi-3-mini-4k-instruct; gemma: gemma-2b-it; zephyr: zephyr-7b-beta; qwen2.5: Qwen2.5-*-Instruct.
/// </remarks>
public static class BuiltInChatTemplates
{
    private const string ResourcePrefix = "Cinder.Templates.BuiltIn.";

    private static readonly Lazy<FrozenDictionary<string, string>> Templates = new(Load);

    /// <summary>The built-in names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. Templates.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Looks up a built-in template by name (case-insensitive).</summary>
    public static bool TryGet(string name, out string text)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Templates.Value.TryGetValue(name, out var found))
        {
            text = found;
            return true;
        }
        text = "";
        return false;
    }

    /// <summary>The built-in template <paramref name="name"/>; throws <see cref="ArgumentException"/> listing the names when unknown.</summary>
    public static string Get(string name) =>
        TryGet(name, out var text) ? text : throw new ArgumentException($"unknown built-in chat template '{name}'; known: {string.Join(", ", Names)}", nameof(name));

    private static FrozenDictionary<string, string> Load()
    {
        var assembly = typeof(BuiltInChatTemplates).Assembly;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".jinja", StringComparison.Ordinal)) continue;
            var name = resource[ResourcePrefix.Length..^".jinja".Length];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
            result[name] = reader.ReadToEnd();
        }
        return result.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
