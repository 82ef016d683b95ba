using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Tests.Formats;

public class TensorFormatTests
{
    [Theory]
    [InlineData(GgmlType.IQ2_XXS)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.TQ1_0)]
    [InlineData(GgmlType.I32)]
    [InlineData(GgmlType.F64)]
    [InlineData((GgmlType)77)]
    public void UnsupportedTypesThrowTypedErrors(GgmlType type)
    {
        Assert.False(TensorFormat.CanDequantize(type));
        Assert.False(TensorFormat.CanQuantize(type));
        var e = Assert.Throws<UnsupportedTensorTypeException>(() => TensorFormat.DequantizeRow(type, new byte[1024], new float[256]));
        Assert.Equal(type, e.Type);
        Assert.Contains("Q4_K", e.Message); // says what is supported
        Assert.Throws<UnsupportedTensorTypeException>(() => TensorFormat.QuantizeRow(type, new float[256], new byte[1024]));
        Assert.Throws<UnsupportedTensorTypeException>(() => TensorFormat.ActivationType(type));
    }

    [Fact]
    public void EveryFormatTheIssueNamesIsSupported()
    {
        GgmlType[] dequantize = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
            GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];
        GgmlType[] quantize = [GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K];
        Assert.All(dequantize, t => Assert.True(TensorFormat.CanDequantize(t), t.ToString()));
        Assert.All(quantize, t => Assert.True(TensorFormat.CanQuantize(t), t.ToString()));
    }

    [Fact]
    public void RowLengthsAreChecked()
    {
        // 48 elements is not a whole number of 32-element blocks.
        Assert.Throws<ArgumentException>(() => TensorFormat.QuantizeRow(GgmlType.Q8_0, new float[48], new byte[51]));
        // 64 Q8_0 elements take 68 bytes, not 64.
        var e = Assert.Throws<ArgumentException>(() => TensorFormat.DequantizeRow(GgmlType.Q8_0, new byte[64], new float[64]));
        Assert.Contains("68", e.Message);
        Assert.Throws<ArgumentException>(() => TensorFormat.QuantizeRow(GgmlType.Q4_K, new float[128], new byte[72]));
        Assert.Throws<ArgumentException>(() => TensorFormat.DotRowReference(GgmlType.Q4_0, new byte[18], new byte[18], 32));
    }

    [Theory]
    [InlineData(GgmlType.F32, GgmlType.F32)]
    [InlineData(GgmlType.F16, GgmlType.F16)]
    [InlineData(GgmlType.BF16, GgmlType.BF16)]
    [InlineData(GgmlType.Q4_0, GgmlType.Q8_0)]
    [InlineData(GgmlType.Q5_0, GgmlType.Q8_0)]
    [InlineData(GgmlType.Q8_0, GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_1, GgmlType.Q8_1)]
    [InlineData(GgmlType.Q5_1, GgmlType.Q8_1)]
    [InlineData(GgmlType.Q2_K, GgmlType.Q8_K)]
    [InlineData(GgmlType.Q3_K, GgmlType.Q8_K)]
    [InlineData(GgmlType.Q4_K, GgmlType.Q8_K)]
    [InlineData(GgmlType.Q5_K, GgmlType.Q8_K)]
    [InlineData(GgmlType.Q6_K, GgmlType.Q8_K)]
    public void ActivationTypeIsGgmlsVecDotType(GgmlType weight, GgmlType activation) =>
        Assert.Equal(activation, TensorFormat.ActivationType(weight));

    [Theory]
    [InlineData(GgmlType.F32, 64, 256)]
    [InlineData(GgmlType.BF16, 64, 128)]
    [InlineData(GgmlType.Q4_0, 64, 36)]
    [InlineData(GgmlType.Q6_K, 512, 420)]
    public void RowByteCountFollowsBlockGeometry(GgmlType type, int elements, int bytes) =>
        Assert.Equal(bytes, TensorFormat.RowByteCount(type, elements));

    [Fact]
    public void Bf16KeepsNanQuietAndRoundsTiesToEven()
    {
        Assert.Equal(0x7FC0, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x7F800001))); // signalling NaN made quiet
        Assert.Equal(0xFFC1, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0xFFC10000))); // payload and sign kept
        Assert.Equal(0x3F80, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie, rounds to even (down)
        Assert.Equal(0x3F82, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie, rounds to even (up)
        Assert.Equal(0x3F81, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x3F808001))); // above the tie
        Assert.Equal(0x7F80, Bf16.FromFloat(BitConverter.UInt32BitsToSingle(0x7F7FFFFF))); // rounds up to infinity
    }

    [Fact]
    public void Fp16RoundsTiesToEven()
    {
        Assert.Equal((ushort)0x3C00, BitConverter.HalfToUInt16Bits(Fp16.FromFloat(1f + MathF.Pow(2, -11))));     // tie, to even (down)
        Assert.Equal((ushort)0x3C02, BitConverter.HalfToUInt16Bits(Fp16.FromFloat(1f + 3 * MathF.Pow(2, -11)))); // tie, to even (up)
        Assert.Equal((ushort)0x7C00, BitConverter.HalfToUInt16Bits(Fp16.FromFloat(65520f)));                     // overflows to infinity
        Assert.Equal((ushort)0x7BFF, BitConverter.HalfToUInt16Bits(Fp16.FromFloat(65519f)));
        Assert.Equal((ushort)0xFE00, BitConverter.HalfToUInt16Bits(Fp16.FromFloat(-float.NaN)));
    }
}
