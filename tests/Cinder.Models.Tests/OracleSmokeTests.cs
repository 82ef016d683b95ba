using Cinder.TestSupport;
namespace Cinder.Models.Tests;
public class OracleSmokeTests
{
    [Fact]
    public void LlamaCppGivesGoldenLogitsAndIds()
    {
        var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/stories260K-1.json"))).RootElement;
        var prompt = golden.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var ids = LlamaCpp.Greedy(SharedData.Stories260K, prompt, 64);
        Assert.Equal(golden.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(), ids);
        var logits = LlamaCpp.LastLogits(SharedData.Stories260K, prompt);
        var gl = golden.GetProperty("logits_at_last_prompt_position").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        for (int i = 0; i < gl.Length; i++) Assert.True(Math.Abs(gl[i] - logits[i]) < 1e-4, $"{i}: {gl[i]} vs {logits[i]}");
        Assert.Equal(prompt, LlamaCpp.Tokenize(SharedData.Stories260K, golden.GetProperty("prompt").GetString()!, true, true));
    }
}
