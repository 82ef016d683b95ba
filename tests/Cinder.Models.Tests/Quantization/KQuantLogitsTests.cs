using Cinder.Core;
using Cinder.Gguf;
using Cinder.Kernels;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Threading;
using Cinder.Models.Quantization;
using Cinder.Models.Synthesis;
using Cinder.TestSupport;
using Xunit.Abstractions;

namespace Cinder.Models.Tests.Quantization;

/// <summary>
/// The tiny synthetic shape at Q4_K_M (what <c>cinder synth --shape tiny --type q4_k_m --vocab ggml-vocab-llama-spm.gguf</c>
/// writes), once per test class: Q4_K and Q6_K matrices whose rows come in groups of eight, so every projection runs
/// on the packed K-quant kernels.
/// </summary>
public sealed class TinyQ4KMModelFixture : IDisposable
{
    public TinyQ4KMModelFixture()
    {
        Directory = SharedData.NewTempDirectory("cinder-kquant");
        Path = System.IO.Path.Combine(Directory, "tiny-q4_k_m.gguf");
        using var vocab = GgufFile.Open(SharedData.Vocab("ggml-vocab-llama-spm.gguf"));
        ModelSynthesizer.Write(Path, ModelShape.Tiny, vocab.Metadata, seed: 1, QuantizationTarget.Q4_K_M);
    }

    public string Directory { get; }
    public string Path { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>Cinder's packed K-quant path against llama.cpp on the same Q4_K_M file: the logits after prompts of random token ids.</summary>
public class KQuantLogitsTests(TinyQ4KMModelFixture model, ITestOutputHelper output) : IClassFixture<TinyQ4KMModelFixture>
{
    public static TheoryData<int, int> Prompts => new() { { 1, 5 }, { 2, 13 }, { 3, 32 } };

    /// <summary>
    /// The file mixes Q4_K and Q6_K, V and ffn_down in Q6_K in the "more bits" layer only, and every product the model
    /// makes (Q+K+V and gate+up stacked, as LlamaModel stacks them) packs: the mixed Q4_K/Q6_K stacks too.
    /// </summary>
    [Fact]
    public unsafe void EveryProductOfTheFilePacks()
    {
        using var file = GgufFile.Open(model.Path);
        Assert.Equal(new HashSet<GgmlType> { GgmlType.Q4_K, GgmlType.Q6_K }, file.Tensors.Where(t => t.Shape.Length == 2).Select(t => t.Type).ToHashSet());
        WeightMatrix Matrix(string name)
        {
            var t = file.GetTensor(name);
            return new WeightMatrix(name, t.Type, file.GetPointer(t), (int)t.Shape[1], (int)t.Shape[0]);
        }
        var products = new List<WeightMatrix[]> { new[] { Matrix("output.weight") } };
        for (int l = 0; l < ModelShape.Tiny.Layers; l++)
        {
            products.Add(new[] { Matrix($"blk.{l}.attn_q.weight"), Matrix($"blk.{l}.attn_k.weight"), Matrix($"blk.{l}.attn_v.weight") });
            products.Add(new[] { Matrix($"blk.{l}.attn_output.weight") });
            products.Add(new[] { Matrix($"blk.{l}.ffn_gate.weight"), Matrix($"blk.{l}.ffn_up.weight") });
            products.Add(new[] { Matrix($"blk.{l}.ffn_down.weight") });
        }
        Assert.Contains(products, p => p.Select(m => m.Type).Distinct().Count() > 1); // a Q4_K+Q6_K stack is among them
        foreach (var parts in products)
        {
            using var prepared = PreparedWeight.Stack(parts);
            Assert.True(prepared.Packed is not null, $"{prepared} is not packed");
        }
    }

    /// <summary>
    /// The prompt but its last token goes through as one batch (GEMM tiles of 4 tokens and the GEMV remainder), the last
    /// token alone (GEMV); llama.cpp evaluates the whole prompt at once. Both quantize activations to Q8_K for these
    /// weights and sum the integer products exactly, so beyond the cosine similarity (≥ 0.999) and the argmax the logits
    /// must agree to float rounding — as must Cinder's own unpacked path (ggml's reference dot products), which is what a
    /// wrong scale or minimum in one sub-block would break while leaving the cosine above 0.999.
    /// </summary>
    [Theory]
    [MemberData(nameof(Prompts))]
    public void LogitsMatchLlamaCpp(int seed, int length)
    {
        var rng = new Random(seed);
        var prompt = new int[length];
        for (int i = 0; i < length; i++) prompt[i] = rng.Next(3, 32000);

        var expected = LlamaCpp.LastLogits(model.Path, prompt);
        var packed = CinderLogits(prompt, repack: true);
        var unpacked = CinderLogits(prompt, repack: false);

        double cosine = Cosine(packed, expected);
        float scale = expected.Max(MathF.Abs);
        var top2 = expected.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(2).ToArray();
        output.WriteLine($"prompt of {length}: cosine {cosine:F7}; max |packed - llama.cpp| {MaxAbsDifference(packed, expected)}, " +
            $"max |packed - unpacked| {MaxAbsDifference(packed, unpacked)}, largest |logit| {scale}; argmax {LlamaCpp.ArgMax(packed)} / {top2[0].i}, top-2 margin {top2[0].v - top2[1].v}");
        Assert.True(cosine >= 0.999, $"cosine similarity {cosine} with llama.cpp's logits");
        Assert.True(MaxAbsDifference(packed, expected) <= 1e-4f * scale, $"logits differ from llama.cpp's by {MaxAbsDifference(packed, expected)} (largest |logit| {scale})");
        Assert.True(MaxAbsDifference(packed, unpacked) <= 1e-4f * scale, $"packed and unpacked logits differ by {MaxAbsDifference(packed, unpacked)} (largest |logit| {scale})");
        // Ties closer than the float noise could go either way; these prompts' top two are far apart (asserted).
        Assert.True(top2[0].v - top2[1].v > 1e-3f, $"top-2 margin {top2[0].v - top2[1].v} is within noise: choose another prompt");
        Assert.Equal(top2[0].i, LlamaCpp.ArgMax(packed));
    }

    private float[] CinderLogits(int[] prompt, bool repack)
    {
        using var lm = ModelLoader.Load(model.Path, repack);
        using var pool = new WorkerPool(2);
        using var cache = lm.CreateKvCache(64);
        using var ws = lm.CreateWorkspace(64, pool);
        var seq = new KvSequence(cache, 64);
        var batch = new ForwardBatch(64);
        for (int i = 0; i < prompt.Length - 1; i++) batch.Add(prompt[i], i, seq, false);
        ws.Forward(batch);
        batch.Clear();
        batch.Add(prompt[^1], prompt.Length - 1, seq, true);
        return ws.Forward(batch).ToArray();
    }

    private static double Cosine(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    private static float MaxAbsDifference(float[] a, float[] b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
