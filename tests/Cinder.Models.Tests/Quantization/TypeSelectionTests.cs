using Cinder.Gguf;
using Cinder.Models.Quantization;
using Cinder.TestSupport;
using LLama.Native;

namespace Cinder.Models.Tests.Quantization;

/// <summary>
/// The per-tensor types of <see cref="ModelQuantizer.Plan"/> against the types llama.cpp writes, on a 16-layer model
/// (enough layers for Q4_K_M's "use more bits" pattern: layers 0-1, 4, 7, 10, 13-15) with and without its own output
/// tensor. The weights are zeros: only the types are compared here.
/// </summary>
public class TypeSelectionTests : IDisposable
{
    private readonly string _dir = SharedData.NewTempDirectory("cinder-quant-types");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(QuantizationTarget.Q4_K_M, LLamaFtype.MOSTLY_Q4_K_M, true)]
    [InlineData(QuantizationTarget.Q4_K_M, LLamaFtype.MOSTLY_Q4_K_M, false)]
    [InlineData(QuantizationTarget.Q4_0, LLamaFtype.MOSTLY_Q4_0, true)]
    [InlineData(QuantizationTarget.Q4_0, LLamaFtype.MOSTLY_Q4_0, false)]
    [InlineData(QuantizationTarget.Q8_0, LLamaFtype.MOSTLY_Q8_0, false)]
    [InlineData(QuantizationTarget.Q6_K, LLamaFtype.MOSTLY_Q6_K, true)]
    public void TypesMatchLlamaCpp(QuantizationTarget target, LLamaFtype ftype, bool outputTensor)
    {
        string input = Path.Combine(_dir, $"zeros-{outputTensor}.gguf");
        if (!File.Exists(input)) SyntheticModel.Write(input, dim: 256, ffn: 256, layers: 16, zeros: true, outputTensor: outputTensor);
        string llamaPath = Path.Combine(_dir, $"llama-{target}-{outputTensor}.gguf");
        LlamaCpp.Quantize(input, llamaPath, ftype);

        using var source = GgufFile.Open(input);
        var plan = ModelQuantizer.Plan(source, target);
        using var llama = GgufFile.Open(llamaPath);
        Assert.Equal(llama.Tensors.Select(t => t.Name), plan.Tensors.Select(t => t.Name));
        var mismatches = llama.Tensors.Where(t => plan[t.Name].TargetType != t.Type)
            .Select(t => $"{t.Name}: llama.cpp {t.Type}, Cinder {plan[t.Name].TargetType}").ToList();
        Assert.Empty(mismatches);
        Assert.Empty(plan.Warnings);

        if (target == QuantizationTarget.Q4_K_M)
        {
            int[] moreBits = [0, 1, 4, 7, 10, 13, 14, 15];
            for (int layer = 0; layer < 16; layer++)
            {
                var expected = moreBits.Contains(layer) ? Cinder.Core.GgmlType.Q6_K : Cinder.Core.GgmlType.Q4_K;
                Assert.Equal(expected, plan[$"blk.{layer}.ffn_down.weight"].TargetType);
                Assert.Equal(expected, plan[$"blk.{layer}.attn_v.weight"].TargetType);
            }
            // With tied embeddings the token embedding is the output projection and gets its Q6_K.
            Assert.Equal(outputTensor ? Cinder.Core.GgmlType.Q4_K : Cinder.Core.GgmlType.Q6_K, plan["token_embd.weight"].TargetType);
        }
    }
}
