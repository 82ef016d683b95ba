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

    [Fact]
    public void SharpAttentionOverALongBatchOfTwoSequencesMatchesLlamaCpp()
    {
        // stories260K's 8-wide heads give attention scores more than 133 apart, where the vector exp must underflow
        // to 0 (it once overflowed, and every logit came out NaN). Sequence B's 70-token prompt shares one forward
        // pass with a decode step of sequence A. llama.cpp keeps heads that are not a whole number of its vectors
        // (8 floats against AVX-512's 16) on its one-chunk F16 kernel however long the batch, and so must we (the
        // F32 kernel put B 1.6e-2 away). These made-up token sequences agree less closely than the golden prompts
        // (1e-4) however they are batched: A by 1.6e-3 whether computed in one batch, two or three, B by 4.4e-4.
        int[] a = Enumerable.Range(0, 41).Select(i => i == 0 ? 1 : 3 + i * 37 % 509).ToArray();
        int[] b = Enumerable.Range(0, 70).Select(i => i == 0 ? 1 : 3 + i * 53 % 509).ToArray();
        var expected = LlamaCpp.LastLogits(SharedData.Stories260K, new List<int[]> { a, b });
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var pool = new WorkerPool(2);
        using var cache = model.CreateKvCache(256);
        using var ws = model.CreateWorkspace(128, pool);
        var seqA = new KvSequence(cache, model.ContextLength);
        var seqB = new KvSequence(cache, model.ContextLength);
        var batch = new ForwardBatch(128);
        for (int i = 0; i < a.Length - 1; i++) batch.Add(a[i], i, seqA, false);
        ws.Forward(batch);
        batch.Clear();
        batch.Add(a[^1], a.Length - 1, seqA, true);
        for (int i = 0; i < b.Length; i++) batch.Add(b[i], i, seqB, i == b.Length - 1);
        var logits = ws.Forward(batch).ToArray();
        int vocab = model.VocabSize;
        Assert.All(logits, x => Assert.True(float.IsFinite(x)));
        float diffA = logits.Take(vocab).Zip(expected[0]).Max(x => Math.Abs(x.First - x.Second));
        float diffB = logits.Skip(vocab).Zip(expected[1]).Max(x => Math.Abs(x.First - x.Second));
        Assert.Equal(LlamaCpp.ArgMax(expected[0]), LlamaCpp.ArgMax(logits.AsSpan(0, vocab)));
        Assert.Equal(LlamaCpp.ArgMax(expected[1]), LlamaCpp.ArgMax(logits.AsSpan(vocab, vocab)));
        Assert.True(diffB < 1e-3f, $"sequence B: max logit difference {diffB}");
        Assert.True(diffA < 2e-3f, $"sequence A: max logit difference {diffA}");
        seqA.Release();
        seqB.Release();
    }
}
