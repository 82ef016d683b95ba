using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.TestSupport;
using Xunit.Abstractions;

namespace Cinder.Kernels.Tests.Formats;

/// <summary>Cinder's formats against ggml's own routines, called in the libggml-base that LLamaSharp ships.</summary>
public class NativeAgreementTests(ITestOutputHelper output)
{
    public static TheoryData<GgmlType> BlockTypes => new()
    {
        GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
    };

    /// <summary>Quantizes the same rows with Cinder and ggml_quantize_chunk; returns (matching blocks, blocks).</summary>
    private static (int Same, int Total) CompareQuantize(GgmlType type, float[] data)
    {
        var info = GgmlTypeInfo.Get(type);
        byte[] expected = LlamaCpp.GgmlQuantize(type, data, 1, data.Length);
        var actual = new byte[expected.Length];
        TensorFormat.QuantizeRow(type, data, actual);
        int same = 0, total = expected.Length / info.TypeSize;
        for (int b = 0; b < total; b++)
        {
            if (expected.AsSpan(b * info.TypeSize, info.TypeSize).SequenceEqual(actual.AsSpan(b * info.TypeSize, info.TypeSize))) same++;
        }
        return (same, total);
    }

    [Theory]
    [MemberData(nameof(BlockTypes))]
    public void QuantizeMatchesLlamaCppBlockForBlock(GgmlType type)
    {
        int same = 0, total = 0;
        for (int seed = 1; seed <= 4; seed++)
        {
            var (s, t) = CompareQuantize(type, TestData.MixedRow(seed, 48));
            same += s;
            total += t;
        }
        output.WriteLine($"{type}: {same}/{total} blocks identical to llama.cpp ({100.0 * same / total:F2}%)");
        Assert.Equal(total, same);
    }
}
