using Cinder.Gguf;
using Cinder.Kernels.Threading;
using Cinder.Models.Synthesis;
using Cinder.TestSupport;

namespace Cinder.Models.Tests;

/// <summary>
/// Prompts on both sides of llama.cpp's attention switch (64 batch tokens: F16 accumulation below, F32 from
/// there) on an F32 model with grouped-query attention: logits within 1e-4 of llama.cpp's.
/// </summary>
public class LongPromptParityTests
{
    [Fact]
    public void LogitsMatchLlamaCppBelowAndAboveTheAttentionSwitch()
    {
        var dir = SharedData.NewTempDirectory();
        try
        {
            using var vocab = GgufFile.Open(SharedData.Vocab("ggml-vocab-llama-spm.gguf"));
            var path = Path.Combine(dir, "tiny-f32.gguf");
            ModelSynthesizer.Write(path, ModelShape.Tiny, vocab.Metadata, 11, null);
            int[] lengths = { 40, 63, 64, 100 };
            var prompts = lengths.Select(n => Enumerable.Range(0, n).Select(i => i == 0 ? 1 : 100 + i * 37 % 30000).ToArray()).ToList();
            var expected = LlamaCpp.LastLogits(path, prompts);
            using var model = ModelLoader.Load(path);
            using var pool = new WorkerPool(2);
            using var cache = model.CreateKvCache(128);
            using var ws = model.CreateWorkspace(128, pool);
            for (int p = 0; p < prompts.Count; p++)
            {
                var seq = new KvSequence(cache, model.ContextLength);
                var batch = new ForwardBatch(128);
                for (int i = 0; i < prompts[p].Length; i++) batch.Add(prompts[p][i], i, seq, i == prompts[p].Length - 1);
                var actual = ws.Forward(batch).ToArray();
                seq.Release();
                float maxDiff = actual.Zip(expected[p]).Max(x => Math.Abs(x.First - x.Second));
                Assert.True(maxDiff < 1e-4f, $"length {lengths[p]}: max logit difference {maxDiff}");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
