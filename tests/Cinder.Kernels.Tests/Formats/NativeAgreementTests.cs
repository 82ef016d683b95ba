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
        for (int seed = 1; seed <= 8; seed++)
        {
            var (s, t) = CompareQuantize(type, TestData.MixedRow(seed, 48));
            same += s;
            total += t;
        }
        output.WriteLine($"{type}: {same}/{total} blocks identical to llama.cpp ({100.0 * same / total:F2}%)");
        Assert.Equal(total, same);
    }

    [Theory]
    [InlineData(GgmlType.Q8_1)]
    [InlineData(GgmlType.Q8_K)]
    public void ActivationQuantizeMatchesLlamaCppReference(GgmlType type)
    {
        var data = TestData.MixedRow(7, 36);
        byte[] expected = LlamaCpp.GgmlQuantizeRowReference(type, data);
        var actual = new byte[expected.Length];
        TensorFormat.QuantizeRow(type, data, actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>Random block bytes with every FP16/FP32 scale field replaced by a finite random value, so decoding covers all bit patterns of the levels.</summary>
    private static byte[] RandomBlocks(GgmlType type, Type blockType, int blocks, int seed)
    {
        var rng = new Random(seed);
        var info = GgmlTypeInfo.Get(type);
        var bytes = new byte[blocks * info.TypeSize];
        rng.NextBytes(bytes);
        var scaleFields = blockType.GetFields().Where(f => f.FieldType == typeof(Half) || f.FieldType == typeof(float)).ToArray();
        Assert.NotEmpty(scaleFields);
        for (int b = 0; b < blocks; b++)
        {
            foreach (var field in scaleFields)
            {
                int at = b * info.TypeSize + (int)Marshal.OffsetOf(blockType, field.Name);
                float value = (float)(Math.Pow(2, rng.Next(-20, 6)) * (rng.NextDouble() * 2 - 1));
                if (field.FieldType == typeof(Half)) BitConverter.TryWriteBytes(bytes.AsSpan(at), (Half)value);
                else BitConverter.TryWriteBytes(bytes.AsSpan(at), value);
            }
        }
        return bytes;
    }

    public static TheoryData<GgmlType, Type> DequantizeCases => new()
    {
        { GgmlType.Q4_0, typeof(BlockQ4_0) }, { GgmlType.Q4_1, typeof(BlockQ4_1) }, { GgmlType.Q5_0, typeof(BlockQ5_0) },
        { GgmlType.Q5_1, typeof(BlockQ5_1) }, { GgmlType.Q8_0, typeof(BlockQ8_0) }, { GgmlType.Q2_K, typeof(BlockQ2_K) },
        { GgmlType.Q3_K, typeof(BlockQ3_K) }, { GgmlType.Q4_K, typeof(BlockQ4_K) }, { GgmlType.Q5_K, typeof(BlockQ5_K) },
        { GgmlType.Q6_K, typeof(BlockQ6_K) }, { GgmlType.Q8_K, typeof(BlockQ8_K) },
    };

    [Theory]
    [MemberData(nameof(DequantizeCases))]
    public void DequantizeIsBitIdenticalToLlamaCpp(GgmlType type, Type blockType)
    {
        var info = GgmlTypeInfo.Get(type);
        const int blocks = 64;
        var bytes = RandomBlocks(type, blockType, blocks, seed: (int)type);
        int n = blocks * info.BlockSize;
        float[] expected = LlamaCpp.GgmlDequantize(type, bytes, n);
        var actual = new float[n];
        TensorFormat.DequantizeRow(type, bytes, actual);
        for (int i = 0; i < n; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"element {i}: llama.cpp {expected[i]}, Cinder {actual[i]}");
    }

    /// <summary>Special values, the rounding boundaries of FP16 and BF16, and random bit patterns of every exponent.</summary>
    private static float[] ConversionInputs()
    {
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN,
            BitConverter.UInt32BitsToSingle(0x7F800001), BitConverter.UInt32BitsToSingle(0xFFC00001),
            65504f, 65519.99f, 65520f, 1e6f, -1e6f, MathF.Pow(2, -24), MathF.Pow(2, -25), MathF.Pow(2, -26), 3 * MathF.Pow(2, -26),
            1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), 1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8),
            BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), BitConverter.UInt32BitsToSingle(0x7F7FFFFF),
            float.Epsilon, -float.Epsilon, 1e-40f,
        };
        var rng = new Random(5);
        for (int i = 0; i < 20000; i++) values.Add(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
        for (int i = 0; i < 20000; i++) values.Add(TestData.NextGaussian(rng) * MathF.Pow(2, rng.Next(-30, 20)));
        return values.ToArray();
    }

    [Fact]
    public void F16RoundingMatchesLlamaCpp()
    {
        var x = ConversionInputs();
        ushort[] expected = LlamaCpp.GgmlFp32ToFp16(x);
        var actual = new byte[x.Length * 2];
        TensorFormat.QuantizeRow(GgmlType.F16, x, actual);
        var bits = MemoryMarshal.Cast<byte, ushort>(actual);
        for (int i = 0; i < x.Length; i++)
            Assert.True(expected[i] == bits[i], $"{x[i]} (0x{BitConverter.SingleToUInt32Bits(x[i]):X8}): llama.cpp 0x{expected[i]:X4}, Cinder 0x{bits[i]:X4}");
    }

    [Fact]
    public void Bf16RoundingMatchesLlamaCpp()
    {
        var x = ConversionInputs();
        ushort[] expected = LlamaCpp.GgmlFp32ToBf16(x);
        var actual = new byte[x.Length * 2];
        TensorFormat.QuantizeRow(GgmlType.BF16, x, actual);
        var bits = MemoryMarshal.Cast<byte, ushort>(actual);
        for (int i = 0; i < x.Length; i++)
            Assert.True(expected[i] == bits[i], $"{x[i]} (0x{BitConverter.SingleToUInt32Bits(x[i]):X8}): llama.cpp 0x{expected[i]:X4}, Cinder 0x{bits[i]:X4}");
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void HalfFormatsDecodeAsLlamaCpp(GgmlType type)
    {
        var rng = new Random(11);
        var bytes = new byte[2 * 4096];
        rng.NextBytes(bytes);
        float[] expected = LlamaCpp.GgmlDequantize(type, bytes, 4096);
        var actual = new float[4096];
        TensorFormat.DequantizeRow(type, bytes, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), $"element {i}");
            else Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
        }
    }
}
