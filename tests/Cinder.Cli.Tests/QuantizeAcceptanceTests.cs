using Cinder.Gguf;
using Cinder.TestSupport;
using LLama.Native;
using Xunit.Abstractions;

namespace Cinder.Cli.Tests;

/// <summary>
/// The acceptance, at the tiny shape to keep CI fast (scripts/quantize-acceptance.cs runs it at llama160m):
/// "`cinder synth --type f32 ...` then `cinder quantize ... q8_0`: llama.cpp loads the result and its logits equal
/// those of llama.cpp's own Q8_0 of the same file to 1e-5."
/// </summary>
[Collection(SyntheticModelsCollection.Name)]
public class QuantizeAcceptanceTests(SyntheticModels models, ITestOutputHelper output)
{
    [Fact]
    public void Q8_0OfASyntheticModelGivesLlamaCppsLogits()
    {
        models.F32Result.AssertSuccess();
        string cinders = models.File("cinder-q8_0.gguf");
        string llamas = models.File("llama-q8_0.gguf");
        var r = CinderProcess.Run("quantize", models.F32, cinders, "q8_0").AssertSuccess();
        Assert.DoesNotContain("warning:", r.Stderr); // every row of this shape is whole Q8_0 blocks
        LlamaCpp.Quantize(models.F32, llamas, LLamaFtype.MOSTLY_Q8_0);

        using (var c = GgufFile.Open(cinders))
        using (var l = GgufFile.Open(llamas))
        {
            foreach (var t in l.Tensors) Assert.Equal(t.Type, c.GetTensor(t.Name).Type);
        }
        var prompts = new[] { "Once upon a time", "The quick brown fox jumps over the lazy dog.", "<s>1 2 3" }
            .Select(p => LlamaCpp.Tokenize(models.F32, p, addBos: true, parseSpecial: true)).ToList();
        var expected = LlamaCpp.LastLogits(llamas, prompts);
        var actual = LlamaCpp.LastLogits(cinders, prompts);
        for (int i = 0; i < prompts.Count; i++)
        {
            float diff = expected[i].Zip(actual[i], (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"prompt {i} ({prompts[i].Length} tokens): max |logit difference| = {diff}");
            Assert.True(diff <= 1e-5f, $"prompt {i}: llama.cpp's logits on the two Q8_0 files differ by {diff}");
        }
    }
}
