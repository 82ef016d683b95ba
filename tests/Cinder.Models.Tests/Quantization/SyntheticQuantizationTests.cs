using Cinder.Core;
using Cinder.Gguf;
using Cinder.Models.Quantization;
using Cinder.TestSupport;
using LLama.Native;
using Xunit.Abstractions;

namespace Cinder.Models.Tests.Quantization;

/// <summary>
/// Cinder and llama.cpp quantize the same F32 model, whose rows are multiples of 256 so every target applies without
/// fallbacks; the files must agree tensor by tensor and give the same logits in llama.cpp.
/// </summary>
public class SyntheticQuantizationTests(SyntheticModelFixture model, ITestOutputHelper output) : IClassFixture<SyntheticModelFixture>
{
    private static readonly GgmlType[] ExactTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0];

    [Theory]
    [InlineData(QuantizationTarget.Q8_0, LLamaFtype.MOSTLY_Q8_0)]
    [InlineData(QuantizationTarget.Q4_0, LLamaFtype.MOSTLY_Q4_0)]
    [InlineData(QuantizationTarget.Q4_K_M, LLamaFtype.MOSTLY_Q4_K_M)]
    [InlineData(QuantizationTarget.Q6_K, LLamaFtype.MOSTLY_Q6_K)]
    [InlineData(QuantizationTarget.F16, LLamaFtype.MOSTLY_F16)]
    [InlineData(QuantizationTarget.BF16, LLamaFtype.MOSTLY_BF16)]
    public void MatchesLlamaCpp(QuantizationTarget target, LLamaFtype ftype)
    {
        string cinderPath = Path.Combine(model.Directory, $"cinder-{target}.gguf");
        string llamaPath = Path.Combine(model.Directory, $"llama-{target}.gguf");
        var warnings = new List<string>();
        var started = DateTime.UtcNow;
        ModelQuantizer.Quantize(model.F32Path, cinderPath, target, new QuantizationOptions { Threads = 2, Warning = warnings.Add });
        output.WriteLine($"{target}: Cinder quantized in {(DateTime.UtcNow - started).TotalSeconds:F2} s");
        LlamaCpp.Quantize(model.F32Path, llamaPath, ftype);
        Assert.Empty(warnings);

        using (var cinder = GgufFile.Open(cinderPath))
        using (var llama = GgufFile.Open(llamaPath))
        {
            var comparison = QuantizedFileComparison.Compare(cinder, llama);
            output.WriteLine($"{target}: {comparison.Describe()}");
            foreach (var line in comparison.DifferentTensors) output.WriteLine("  " + line);
            Assert.Empty(comparison.TypeMismatches);
            QuantizationAssert.SameMetadata(llama.Metadata, cinder.Metadata);
            foreach (var (type, (same, total)) in comparison.Blocks)
            {
                // Q8_0 and Q4_0 must be byte-identical; the K-quants follow llama.cpp's float arithmetic step by step
                // and are expected to match too, but only a high rate is required of them.
                if (ExactTypes.Contains(type)) Assert.True(same == total, $"{type}: {total - same} of {total} blocks differ from llama.cpp");
                else Assert.True(same >= 0.99 * total, $"{type}: only {same} of {total} blocks match llama.cpp");
            }
            if (target == QuantizationTarget.Q4_K_M)
            {
                // 2 layers: layer 1 is a "use more bits" layer (the last eighth), so its attn_v and ffn_down get Q6_K.
                Assert.Equal(GgmlType.Q6_K, cinder.GetTensor("output.weight").Type);
                Assert.Equal(GgmlType.Q4_K, cinder.GetTensor("token_embd.weight").Type);
                Assert.Equal(GgmlType.Q4_K, cinder.GetTensor("blk.0.attn_v.weight").Type);
                Assert.Equal(GgmlType.Q6_K, cinder.GetTensor("blk.1.attn_v.weight").Type);
                Assert.Equal(GgmlType.Q4_K, cinder.GetTensor("blk.0.ffn_down.weight").Type);
                Assert.Equal(GgmlType.Q6_K, cinder.GetTensor("blk.1.ffn_down.weight").Type);
            }
        }

        var prompt = QuantizationAssert.Prompt();
        float diff = QuantizationAssert.MaxAbsDifference(LlamaCpp.LastLogits(llamaPath, prompt), LlamaCpp.LastLogits(cinderPath, prompt));
        output.WriteLine($"{target}: max |logit difference| vs llama.cpp's own quantization = {diff}");
        float tolerance = target is QuantizationTarget.Q4_K_M or QuantizationTarget.Q6_K ? 1e-3f : 1e-5f;
        Assert.True(diff <= tolerance, $"logits differ by {diff}");
    }

    /// <summary>An F16 model is dequantized and requantized as llama.cpp does with --allow-requantize.</summary>
    [Fact]
    public void RequantizesAnF16Model()
    {
        string f16 = Path.Combine(model.Directory, "requant-f16.gguf");
        string cinderPath = Path.Combine(model.Directory, "requant-cinder-q8_0.gguf");
        string llamaPath = Path.Combine(model.Directory, "requant-llama-q8_0.gguf");
        ModelQuantizer.Quantize(model.F32Path, f16, QuantizationTarget.F16, new QuantizationOptions { Threads = 2 });
        var result = ModelQuantizer.Quantize(f16, cinderPath, QuantizationTarget.Q8_0, new QuantizationOptions { Threads = 2 });
        LlamaCpp.Quantize(f16, llamaPath, LLamaFtype.MOSTLY_Q8_0);

        Assert.Equal(GgmlType.F16, result.Plan["blk.0.attn_q.weight"].SourceType);
        Assert.Equal(GgmlType.F32, result.Plan["blk.0.attn_norm.weight"].TargetType);
        using var cinder = GgufFile.Open(cinderPath);
        using var llama = GgufFile.Open(llamaPath);
        var comparison = QuantizedFileComparison.Compare(cinder, llama);
        output.WriteLine(comparison.Describe());
        Assert.Empty(comparison.TypeMismatches);
        Assert.Empty(comparison.DifferentTensors);
    }
}
