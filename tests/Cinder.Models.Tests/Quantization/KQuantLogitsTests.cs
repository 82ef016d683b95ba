using Cinder.Core;
using Cinder.Gguf;
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

    [Fact]
    public void TheFileMixesPackableQ4_KAndQ6_K()
    {
        using var file = GgufFile.Open(model.Path);
        var types = file.Tensors.Where(t => t.Shape.Length == 2).Select(t => t.Type).ToHashSet();
        Assert.Equal(new HashSet<GgmlType> { GgmlType.Q4_K, GgmlType.Q6_K }, types);
        Assert.All(file.Tensors.Where(t => t.Shape.Length == 2), t => Assert.True(t.Shape[1] % 8 == 0 && PreparedWeight.CanPack(t.Type), t.Name));
    }

    /// <summary>
    /// The prompt but its last token goes through as one batch (GEMM tiles of 4 tokens and the GEMV remainder), the last
    /// token alone (GEMV); llama.cpp evaluates the whole prompt at once. Both quantize activations to Q8_K for these
    /// weights, so the logits agree closely: cosine similarity ≥ 0.999 and the same argmax.
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
        output.WriteLine($"prompt of {length}: cosine(packed, llama.cpp) = {cosine:F7}, cosine(unpacked, llama.cpp) = {Cosine(unpacked, expected):F7}, " +
            $"argmax {LlamaCpp.ArgMax(packed)} / {LlamaCpp.ArgMax(expected)}, max |diff| {MaxAbsDifference(packed, expected)} (unpacked {MaxAbsDifference(unpacked, expected)}), " +
            $"largest |logit| {expected.Max(MathF.Abs)}");
        Assert.True(cosine >= 0.999, $"cosine similarity {cosine} with llama.cpp's logits");
        Assert.Equal(LlamaCpp.ArgMax(expected), LlamaCpp.ArgMax(packed));
        // Same weights, same Q8_K activations, exact integer sums: only float rounding differs (about 1e-7 here), where
        // the unquantized activations of the reference path differ by orders of magnitude more. A wrong scale or
        // minimum in a single sub-block would leave the cosine above 0.999 but not this.
        float scale = expected.Max(MathF.Abs);
        Assert.True(MaxAbsDifference(packed, expected) <= 1e-4f * scale, $"logits differ by {MaxAbsDifference(packed, expected)} (largest |logit| {scale})");
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
