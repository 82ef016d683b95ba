using Cinder.Gguf;
using Cinder.Kernels.Threading;
using Cinder.TestSupport;

namespace Cinder.Models.Tests;

public class ProbeTests
{
    [Fact]
    public void Probe()
    {
        using var model = new LlamaModel(GgufFile.Open(SharedData.Stories260K));
        using var pool = new WorkerPool(2);
        foreach (var prompt in new[] { new[] { 1, 291, 376, 400, 428 }, new[] { 1, 403, 407, 261, 378 } })
        for (int len = 1; len <= prompt.Length; len++)
        {
            using var cache = model.CreateKvCache(model.ContextLength);
            using var ws = model.CreateWorkspace(64, pool);
            var seq = new KvSequence(cache, model.ContextLength);
            var batch = new ForwardBatch(64);
            for (int i = 0; i < len; i++) batch.Add(prompt[i], i, seq, i == len - 1);
            var ours = ws.Forward(batch).ToArray();
            var theirs = LlamaCpp.LastLogits(SharedData.Stories260K, prompt[..len]);
            var f32 = LlamaCpp.LastLogitsWith(SharedData.Stories260K, prompt[..len], p => { p.TypeK = LLama.Native.GGMLType.GGML_TYPE_F32; p.TypeV = LLama.Native.GGMLType.GGML_TYPE_F32; p.FlashAttention = false; });
            float maxDiff = 0, f32d = 0;
            for (int i = 0; i < ours.Length; i++) { maxDiff = Math.Max(maxDiff, Math.Abs(ours[i] - theirs[i])); f32d = Math.Max(f32d, Math.Abs(f32[i] - theirs[i])); }
            Console.WriteLine($"{prompt[1]} len {len}: max diff {maxDiff} (llama f32 vs default {f32d})");
        }
    }
}
