using System.Text.Json;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>One of llama.cpp's reference outputs for stories260K (../shared/golden/stories260K/*.json).</summary>
internal sealed record Golden(string Prompt, int[] PromptIds, int[] GreedyIds, string GreedyText, float[] Logits)
{
    public static TheoryData<string> Names => ["stories260K-1", "stories260K-2", "stories260K-3"];

    public static Golden Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Golden($"stories260K/{name}.json")));
        var r = doc.RootElement;
        return new Golden(
            r.GetProperty("prompt").GetString()!,
            Ints(r.GetProperty("prompt_ids")),
            Ints(r.GetProperty("greedy_ids")),
            r.GetProperty("greedy_text").GetString()!,
            r.GetProperty("logits_at_last_prompt_position").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
