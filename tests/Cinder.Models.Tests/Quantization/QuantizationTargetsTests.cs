using Cinder.Core;
using Cinder.Models.Quantization;

namespace Cinder.Models.Tests.Quantization;

public class QuantizationTargetsTests
{
    [Theory]
    [InlineData("f16", QuantizationTarget.F16, 1u, GgmlType.F16)]
    [InlineData("bf16", QuantizationTarget.BF16, 32u, GgmlType.BF16)]
    [InlineData("q8_0", QuantizationTarget.Q8_0, 7u, GgmlType.Q8_0)]
    [InlineData("q4_0", QuantizationTarget.Q4_0, 2u, GgmlType.Q4_0)]
    [InlineData("q4_k_m", QuantizationTarget.Q4_K_M, 15u, GgmlType.Q4_K)]
    [InlineData("q6_k", QuantizationTarget.Q6_K, 18u, GgmlType.Q6_K)]
    public void NamesFileTypesAndDefaultTypes(string name, QuantizationTarget target, uint fileType, GgmlType defaultType)
    {
        Assert.Equal(target, QuantizationTargets.Parse(name));
        Assert.Equal(target, QuantizationTargets.Parse(name.ToUpperInvariant()));
        Assert.Equal(name, QuantizationTargets.Name(target));
        Assert.Equal(fileType, (uint)QuantizationTargets.FileType(target));
        Assert.Equal(defaultType, QuantizationTargets.DefaultTensorType(target));
    }

    [Theory]
    [InlineData("q4_k")]
    [InlineData("q4_k_s")]
    [InlineData("")]
    [InlineData("fp16")]
    public void UnknownNamesAreRejectedWithTheValidOnes(string name)
    {
        Assert.False(QuantizationTargets.TryParse(name, out _));
        var e = Assert.Throws<ArgumentException>(() => QuantizationTargets.Parse(name));
        Assert.Contains("q4_k_m", e.Message);
    }

    [Fact]
    public void EveryTargetIsListed() => Assert.Equal(Enum.GetValues<QuantizationTarget>(), QuantizationTargets.All.Order());
}
