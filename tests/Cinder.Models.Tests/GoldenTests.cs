using System.Text.Json;
using Cinder.Gguf;
using Cinder.Kernels.Threading;
using Cinder.TestSupport;

namespace Cinder.Models.Tests;

/// <summary>stories260K against llama.cpp's golden outputs: prompt logits within 1e-4 and all 64 greedy ids.</summary>
public class GoldenTests
{
    public static TheoryData<string> GoldenFiles => new() { "stories260K-1.json", "stories260K-2.json", "stories260K-3.json" };

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void LogitsAndGreedyIdsMatchLlamaCpp(string name)
    {
        var golden = JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/" + name))).RootElement;
        var prompt = golden.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expectedIds = golden.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expectedLogits = golden.GetProperty("logits_at_last_prompt_position").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        using var model = new LlamaModel(GgufFile.Open(SharedData.Stories260K));
        using var pool = new WorkerPool(2);
        using var cache = model.CreateKvCache(model.ContextLength);
        using var ws = model.CreateWorkspace(64, pool);
        var seq = new KvSequence(cache, model.ContextLength);
        var batch = new ForwardBatch(64);
        for (int i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, seq, i == prompt.Length - 1);
        var logits = ws.Forward(batch).ToArray();
        float maxDiff = 0;
        for (int i = 0; i < expectedLogits.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expectedLogits[i] - logits[i]));
        Assert.True(maxDiff < 1e-4f, $"max logit difference {maxDiff}");

        var ids = new List<int>();
        int pos = prompt.Length;
        for (int i = 0; i < expectedIds.Length; i++)
        {
            int next = LlamaCpp.ArgMax(logits);
            ids.Add(next);
            batch.Clear();
            batch.Add(next, pos++, seq, true);
            logits = ws.Forward(batch).ToArray();
        }
        Assert.Equal(expectedIds, ids);
    }
}
