using Cinder.Kernels.Threading;
using Cinder.TestSupport;

namespace Cinder.Models.Tests;

/// <summary>Both tiny real models, random prompts: Cinder's greedy ids equal llama.cpp's (computed in the test).</summary>
public class GreedyParityTests
{
    public static TheoryData<string, int> Cases() => new()
    {
        { "stories260K.gguf", 1 }, { "stories260K.gguf", 2 }, { "stories260K.gguf", 3 },
        { "aidreams260K.gguf", 1 }, { "aidreams260K.gguf", 2 }, { "aidreams260K.gguf", 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GreedyIdsMatchLlamaCpp(string file, int seed)
    {
        var path = SharedData.Model(file);
        using var model = ModelLoader.Load(path);
        // A random prompt of random length from the model's own vocabulary (ids above the byte tokens), after BOS.
        var random = new Random(seed);
        var prompt = new[] { 1 }.Concat(Enumerable.Range(0, random.Next(1, 24)).Select(_ => random.Next(259, model.VocabSize))).ToArray();
        int count = model.ContextLength - prompt.Length;
        var expected = LlamaCpp.Greedy(path, prompt, count);

        using var pool = new WorkerPool(2);
        using var cache = model.CreateKvCache(model.ContextLength);
        using var ws = model.CreateWorkspace(prompt.Length, pool);
        var seq = new KvSequence(cache, model.ContextLength);
        var batch = new ForwardBatch(prompt.Length);
        for (int i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, seq, i == prompt.Length - 1);
        var logits = ws.Forward(batch).ToArray();
        var ids = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int next = LlamaCpp.ArgMax(logits);
            ids.Add(next);
            if (i + 1 == count) break;
            batch.Clear();
            batch.Add(next, prompt.Length + i, seq, true);
            logits = ws.Forward(batch).ToArray();
        }
        Assert.Equal(expected, ids);
    }
}
