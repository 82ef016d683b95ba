using System.Text.Json;

namespace Cinder.Templates.Tests;

/// <summary>
/// reference/fixtures.json: the built-in templates rendered by @huggingface/jinja over fixed conversations
/// (regenerate with reference/render.mjs, see reference/README.md).
/// </summary>
internal static class ReferenceFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "reference", "fixtures.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"reference fixture missing at {path}; it is copied from tests/Cinder.Templates.Tests/reference/fixtures.json", path);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    });

    public static JsonElement Templates => Root.Value.GetProperty("templates");

    public static JsonElement Cases => Root.Value.GetProperty("cases");

    public static string Generator => Root.Value.GetProperty("generator").GetString()!;

    public static IReadOnlyList<ChatMessage> Conversation(string id) =>
        [.. Root.Value.GetProperty("conversations").GetProperty(id).EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()))];

    public static string? Token(string template, string which)
    {
        var value = Templates.GetProperty(template).GetProperty(which);
        return value.ValueKind == JsonValueKind.Null ? null : value.GetString();
    }
}
