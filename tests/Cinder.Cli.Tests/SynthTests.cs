using Cinder.Core;
using Cinder.Gguf;
using Cinder.TestSupport;
using LLama.Native;
using Xunit.Abstractions;

namespace Cinder.Cli.Tests;

/// <summary>
/// "`cinder synth --shape NAME --type TYPE --vocab VOCAB.gguf -o OUT [--seed N]`: a LLaMA model with random weights at
/// a real shape, tokenizer metadata copied from VOCAB.gguf, activations finite through every layer."
/// The "tiny" shape: dim 256, 2 blocks, 4 heads, 2 KV heads, ffn 512, context 512.
/// </summary>
[Collection(SyntheticModelsCollection.Name)]
public class SynthTests(SyntheticModels models, ITestOutputHelper output)
{
    private const int Dim = 256, Layers = 2, Heads = 4, KvHeads = 2, Ffn = 512, Context = 512, Vocab = 32000;
    private const int KvDim = Dim / Heads * KvHeads;

    [Fact]
    public void F32ModelHasTheShapeAndTheVocabularysTokenizer()
    {
        models.F32Result.AssertSuccess();
        using var file = GgufFile.Open(models.F32);
        using var vocab = GgufFile.Open(SyntheticModels.VocabPath);
        var m = file.Metadata;
        Assert.Equal("llama", m.GetString("general.architecture"));
        Assert.Equal(Layers, m.GetInteger("llama.block_count"));
        Assert.Equal(Dim, m.GetInteger("llama.embedding_length"));
        Assert.Equal(Ffn, m.GetInteger("llama.feed_forward_length"));
        Assert.Equal(Heads, m.GetInteger("llama.attention.head_count"));
        Assert.Equal(KvHeads, m.GetInteger("llama.attention.head_count_kv"));
        Assert.Equal(Context, m.GetInteger("llama.context_length"));
        Assert.Equal((long)LLamaFtype.ALL_F32, m.GetInteger("general.file_type"));

        var tokenizerKeys = vocab.Metadata.Entries.Where(e => e.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).Select(e => e.Key).ToArray();
        Assert.Contains("tokenizer.ggml.tokens", tokenizerKeys);
        Assert.Equal(tokenizerKeys.Order(), m.Entries.Where(e => e.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).Select(e => e.Key).Order());
        GgufAssert.HasMetadataOf(new GgufMetadata(vocab.Metadata.Entries.Where(e => e.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).ToList()), m);

        var expected = new Dictionary<string, long[]>
        {
            ["token_embd.weight"] = [Dim, Vocab],
            ["output_norm.weight"] = [Dim],
            ["output.weight"] = [Dim, Vocab],
        };
        for (int i = 0; i < Layers; i++)
        {
            expected[$"blk.{i}.attn_norm.weight"] = [Dim];
            expected[$"blk.{i}.attn_q.weight"] = [Dim, Dim];
            expected[$"blk.{i}.attn_k.weight"] = [Dim, KvDim];
            expected[$"blk.{i}.attn_v.weight"] = [Dim, KvDim];
            expected[$"blk.{i}.attn_output.weight"] = [Dim, Dim];
            expected[$"blk.{i}.ffn_norm.weight"] = [Dim];
            expected[$"blk.{i}.ffn_gate.weight"] = [Dim, Ffn];
            expected[$"blk.{i}.ffn_up.weight"] = [Dim, Ffn];
            expected[$"blk.{i}.ffn_down.weight"] = [Ffn, Dim];
        }
        Assert.Equal(expected.Keys.Order(), file.Tensors.Select(t => t.Name).Order());
        foreach (var t in file.Tensors)
        {
            Assert.Equal(expected[t.Name], t.Shape);
            Assert.Equal(GgmlType.F32, t.Type);
        }
    }

    [Fact]
    public void Q4_0ModelHasLlamaCppsTypesForEveryTensor()
    {
        models.Q4_0Result.AssertSuccess();
        string llamas = models.File("llama-q4_0-of-f32.gguf");
        LlamaCpp.Quantize(models.F32, llamas, LLamaFtype.MOSTLY_Q4_0);
        using var reference = GgufFile.Open(llamas);
        using var synth = GgufFile.Open(models.Q4_0);
        Assert.Equal((long)LLamaFtype.MOSTLY_Q4_0, synth.Metadata.GetInteger("general.file_type"));
        Assert.Equal(reference.Tensors.Select(t => t.Name).Order(), synth.Tensors.Select(t => t.Name).Order());
        foreach (var t in reference.Tensors)
        {
            var s = synth.GetTensor(t.Name);
            Assert.True(t.Type == s.Type, $"{t.Name}: llama.cpp's Q4_0 mix has {t.Type}, synth wrote {s.Type}");
            Assert.Equal(t.Shape, s.Shape);
        }
        Assert.Contains(synth.Tensors, t => t.Type == GgmlType.Q4_0);
    }

    [Fact]
    public void TheSameSeedGivesTheSameFileAndAnotherSeedOtherWeights()
    {
        models.F32Result.AssertSuccess();
        string again = models.File("tiny-f32-again.gguf");
        string other = models.File("tiny-f32-seed8.gguf");
        SyntheticModels.Synth("f32", again, SyntheticModels.Seed).AssertSuccess();
        SyntheticModels.Synth("f32", other, SyntheticModels.Seed + 1).AssertSuccess();
        Assert.True(File.ReadAllBytes(models.F32).AsSpan().SequenceEqual(File.ReadAllBytes(again)), "seed 7 twice gave different files");
        using var a = GgufFile.Open(models.F32);
        using var b = GgufFile.Open(other);
        foreach (var t in a.Tensors.Where(t => t.Shape.Length == 2))
            Assert.False(a.GetData(t).SequenceEqual(b.GetData(b.GetTensor(t.Name))), $"{t.Name} is the same under seeds 7 and 8");
    }

    /// <summary>
    /// Activations stay finite through every layer: the logits after a prompt are finite, and llama.cpp, reading the
    /// same file, computes the same ones.
    /// </summary>
    [Theory]
    // ../shared/README.md's agreement for an engine that computes the same function; measured 2.4e-7 for both types
    // here, on logits within about ±1.3.
    [InlineData("f32", 1e-4f)]
    [InlineData("q4_0", 1e-4f)]
    public void LogitsAreFiniteAndLlamaCpps(string type, float tolerance)
    {
        string model = type == "f32" ? models.F32 : models.Q4_0;
        (type == "f32" ? models.F32Result : models.Q4_0Result).AssertSuccess();
        const string prompt = "Once upon a time, in a land far away, there lived";
        var r = CinderProcess.Run("logits", "-m", model, "-p", prompt).AssertSuccess();
        var j = r.LastJsonLine();
        var ids = Golden.Ints(j.GetProperty("prompt_ids"));
        Assert.Equal(LlamaCpp.Tokenize(model, prompt, addBos: true, parseSpecial: true), ids);
        var logits = Golden.Floats(j.GetProperty("logits"));
        Assert.Equal(Vocab, logits.Length);
        Assert.All(logits, l => Assert.True(float.IsFinite(l), "a logit is not finite"));
        Assert.True(logits.Max() - logits.Min() > 1e-3f, "the logits are all the same: the activations died");
        var reference = LlamaCpp.LastLogits(model, ids);
        float diff = reference.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{type}: max |logit - llama.cpp's| = {diff}, logits in [{logits.Min()}, {logits.Max()}]");
        Assert.True(diff <= tolerance, $"max |logit - llama.cpp's| = {diff}");
    }

    [Theory]
    [InlineData("f32")]
    [InlineData("q4_0")]
    public void RunGeneratesFromTheSyntheticModel(string type)
    {
        string model = type == "f32" ? models.F32 : models.Q4_0;
        var r = CinderProcess.Run("run", "-m", model, "-p", "Hello world", "-n", "8", "--temp", "0", "--ignore-eos", "--json").AssertSuccess();
        var ids = Golden.Ints(r.LastJsonLine().GetProperty("ids"));
        Assert.Equal(8, ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, Vocab - 1));
        Assert.Contains("vocab 32000", r.Stderr);
    }

    [Fact]
    public void InspectShowsTheSyntheticModel()
    {
        models.Q4_0Result.AssertSuccess();
        var j = CinderProcess.Run("inspect", models.Q4_0, "--json").AssertSuccess().LastJsonLine();
        Assert.Equal("llama", j.GetProperty("architecture").GetString());
        Assert.Equal(3 + 9 * Layers, j.GetProperty("tensor_count").GetInt32());
        Assert.Equal(Vocab, j.GetProperty("tokenizer").GetProperty("vocab_size").GetInt32());
        Assert.Equal("MOSTLY_Q4_0", j.GetProperty("file_type").GetString());
        Assert.Equal(Layers, j.GetProperty("hyperparameters").GetProperty("llama.block_count").GetInt32());
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        string output = models.File("bad.gguf");
        Assert.Contains("'huge' not recognized", CinderProcess.Run("synth", "--shape", "huge", "--vocab", SyntheticModels.VocabPath, "-o", output).AssertOneLineError());
        Assert.Contains("'q5_0' not recognized", CinderProcess.Run("synth", "--shape", "tiny", "--type", "q5_0", "--vocab", SyntheticModels.VocabPath, "-o", output).AssertOneLineError());
        Assert.Contains("--vocab", CinderProcess.Run("synth", "--shape", "tiny", "-o", output).AssertOneLineError());
        Assert.Contains("vocabulary file not found", CinderProcess.Run("synth", "--shape", "tiny", "--vocab", models.File("missing.gguf"), "-o", output).AssertOneLineError());
        Assert.Contains("does not exist", CinderProcess.Run("synth", "--shape", "tiny", "--vocab", SyntheticModels.VocabPath, "-o", models.File("no/such/dir.gguf")).AssertOneLineError());
        Assert.False(File.Exists(output));
    }
}
