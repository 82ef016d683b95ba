using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Tests.Formats;

/// <summary>
/// Each format decoded from a block assembled by hand, with the expected values worked out by hand from the format's
/// definition (the formula in each struct's remarks). Unset levels decode to the "level 0" value of their sub-block,
/// which each test states as a base rule before listing the hand-computed exceptions.
/// </summary>
public unsafe class HandBuiltDequantizeTests
{
    private static float[] Decode<T>(T block) where T : unmanaged, IQuantBlock<T>
    {
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in block)).ToArray();
        var y = new float[T.BlockLength];
        TensorFormat.DequantizeRow(T.Type, bytes, y);
        return y;
    }

    private static void AssertValues(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i] == actual[i], $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Q4_0()
    {
        var b = new BlockQ4_0 { D = (Half)0.5f };
        for (int j = 0; j < 16; j++) b.Qs[j] = 0x88; // level 8 is zero
        b.Qs[0] = 0x1F;  // element 0: (15 - 8) * 0.5; element 16: (1 - 8) * 0.5
        b.Qs[15] = 0x08; // element 15: 0; element 31: (0 - 8) * 0.5
        var expected = new float[32];
        expected[0] = 3.5f;
        expected[16] = -3.5f;
        expected[31] = -4f;
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q4_1()
    {
        var b = new BlockQ4_1 { D = (Half)0.25f, M = (Half)(-1f) };
        b.Qs[3] = 0xA2; // element 3: 2 * 0.25 - 1; element 19: 10 * 0.25 - 1
        var expected = Enumerable.Repeat(-1f, 32).ToArray(); // level 0 is the minimum
        expected[3] = -0.5f;
        expected[19] = 1.5f;
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q5_0()
    {
        var b = new BlockQ5_0 { D = (Half)1f };
        b.Qs[0] = 0x0F;                  // element 0 low bits 15, element 16 low bits 0
        b.Qh[0] = 0x01;                  // fifth bit of element 0
        b.Qh[2] = 0x01;                  // bit 16: fifth bit of element 16
        b.Qs[7] = 0x95;                  // element 7 low bits 5, element 23 low bits 9
        b.Qh[2] |= 0x80;                 // bit 23: fifth bit of element 23
        var expected = Enumerable.Repeat(-16f, 32).ToArray(); // level 0 is -16 * d
        expected[0] = 15f;               // (15 | 16) - 16
        expected[16] = 0f;               // (0 | 16) - 16
        expected[7] = -11f;              // 5 - 16
        expected[23] = 9f;               // (9 | 16) - 16
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q5_1()
    {
        var b = new BlockQ5_1 { D = (Half)0.5f, M = (Half)2f };
        b.Qs[2] = 0x3C;                  // element 2 low bits 12, element 18 low bits 3
        b.Qh[0] = 0x04;                  // bit 2
        b.Qh[2] = 0x04;                  // bit 18
        var expected = Enumerable.Repeat(2f, 32).ToArray();
        expected[2] = 16f;               // 28 * 0.5 + 2
        expected[18] = 11.5f;            // 19 * 0.5 + 2
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q8_0()
    {
        var b = new BlockQ8_0 { D = (Half)0.125f };
        b.Qs[5] = -128;
        b.Qs[31] = 127;
        var expected = new float[32];
        expected[5] = -16f;
        expected[31] = 15.875f;
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q8_1()
    {
        var b = new BlockQ8_1 { D = (Half)2f, S = (Half)(-6f) };
        b.Qs[0] = -3;
        var expected = new float[32];
        expected[0] = -6f;
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q8_K()
    {
        var b = new BlockQ8_K { D = 0.5f };
        b.Qs[255] = -7;
        b.Qs[128] = 100;
        var expected = new float[256];
        expected[255] = -3.5f;
        expected[128] = 50f;
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q2_K()
    {
        var b = new BlockQ2_K { D = (Half)2f, Dmin = (Half)0.5f };
        b.Scales[0] = 0x31;  // sub-block 0 (weights 0..15): scale 1, min 3
        b.Scales[1] = 0x0F;  // sub-block 1 (16..31): scale 15, min 0
        b.Scales[2] = 0x24;  // sub-block 2 (32..47): scale 4, min 2
        b.Scales[9] = 0x52;  // sub-block 9 (144..159): scale 2, min 5
        b.Qs[0] = 0x04;      // bits 2..3 of byte 0: weight 32 has level 1
        b.Qs[16] = 0x03;     // bits 0..1 of byte 16: weight 16 has level 3
        b.Qs[48] = 0x02;     // second half, byte 16: weight 128 + 16 = 144 has level 2
        var expected = new float[256];
        for (int i = 0; i < 256; i++) expected[i] = -0.5f * (b.Scales[i / 16] >> 4); // level 0: -dmin * min
        expected[32] = 2f * 4 * 1 - 0.5f * 2;   // 7
        expected[16] = 2f * 15 * 3 - 0f;        // 90
        expected[144] = 2f * 2 * 2 - 0.5f * 5;  // 5.5
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q3_K()
    {
        var b = new BlockQ3_K { D = (Half)0.5f };
        // Sub-block 0: 6-bit scale 40 (= 8 after the -32 offset): low nibble 8 in byte 0, high pair 2 in bits 0..1 of byte 8.
        b.Scales[0] = 8;
        b.Scales[8] = 2;
        // Sub-block 13: scale 1 (= -31): low nibble in the high half of byte 5, high pair 0 in bits 6..7 of byte 9.
        b.Scales[5] = 0x10;
        b.Qs[0] = 0x03;      // weight 0: low bits 3
        b.Hmask[0] = 0x01;   // weight 0: third bit set, so no -4
        b.Qs[48] = 0x10;     // second half byte 16, bits 4..5: weight 128 + 64 + 16 = 208 has low bits 1 (third bit clear: -4)
        var expected = new float[256];
        for (int i = 0; i < 256; i++)
        {
            int sc = i / 16 == 0 ? 40 : i / 16 == 13 ? 1 : 0;
            expected[i] = 0.5f * (sc - 32) * (0 - 4); // level 0 with the third bit clear is -4
        }
        expected[0] = 0.5f * 8 * 3;        // 12
        expected[208] = 0.5f * -31 * -3;   // 46.5
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q4_K()
    {
        var b = new BlockQ4_K { D = (Half)0.5f, Dmin = (Half)0.25f };
        b.Scales[1] = 3;     // sub-block 1 scale 3
        b.Scales[5] = 5;     // sub-block 1 min 5
        // Sub-block 6: scale 50 = 0b11_0010, min 33 = 0b10_0001. Low nibbles in byte 10, high pairs in bits 6..7 of bytes 2 and 6.
        b.Scales[10] = 0x12;
        b.Scales[2] = 0xC0;
        b.Scales[6] = 0x80;
        b.Qs[8] = 0xB0;      // high nibble of byte 8: weight 32 + 8 = 40 (sub-block 1) level 11
        b.Qs[104] = 0x07;    // low nibble of byte 96 + 8: weight 192 + 8 = 200 (sub-block 6) level 7
        var expected = new float[256];
        for (int i = 32; i < 64; i++) expected[i] = -0.25f * 5;
        for (int i = 192; i < 224; i++) expected[i] = -0.25f * 33;
        expected[40] = 0.5f * 3 * 11 - 0.25f * 5;   // 15.25
        expected[200] = 0.5f * 50 * 7 - 0.25f * 33; // 166.75
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q5_K()
    {
        var b = new BlockQ5_K { D = (Half)1f, Dmin = (Half)0.5f };
        b.Scales[0] = 2;     // sub-block 0 scale 2
        b.Scales[4] = 1;     // sub-block 0 min 1
        b.Scales[11] = 0x0F; // sub-block 7 scale 63 = 0b11_1111: low nibble here, high pair in bits 6..7 of byte 3
        b.Scales[3] = 0xC0;
        b.Qs[5] = 0x09;      // weight 5 low bits 9
        b.Qh[5] = 0x01;      // weight 5 fifth bit (bit 0 of Qh[5])
        b.Qs[122] = 0x30;    // high nibble of byte 96 + 26: weight 224 + 26 = 250 low bits 3
        b.Qh[26] = 0x80;     // weight 250 = 32 * 7 + 26: bit 7 of Qh[26]
        var expected = new float[256];
        for (int i = 0; i < 32; i++) expected[i] = -0.5f * 1;
        expected[5] = 1f * 2 * 25 - 0.5f * 1;    // 49.5
        expected[250] = 1f * 63 * 19;            // 1197
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void Q6_K()
    {
        var b = new BlockQ6_K { D = (Half)0.5f };
        b.Scales[0] = -3;
        b.Scales[5] = 7;
        b.Ql[1] = 0x0A;      // weight 1: low bits 10
        b.Qh[1] = 0x02;      // weight 1: high bits 2 -> q = 42, level 10
        b.Ql[16] = 0x50;     // weight 64 + 16 = 80 (sub-block 5): low bits 5 from the high nibble
        b.Qh[16] = 0x10;     // weight 80: high bits 1 (bits 4..5) -> q = 21, level -11
        var expected = new float[256];
        for (int i = 0; i < 256; i++) expected[i] = 0.5f * (i / 16 == 0 ? -3 : i / 16 == 5 ? 7 : 0) * -32; // q = 0 is level -32
        expected[1] = 0.5f * -3 * 10;    // -15
        expected[80] = 0.5f * 7 * -11;   // -38.5
        AssertValues(expected, Decode(b));
    }

    [Fact]
    public void F16()
    {
        ushort[] bits = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00];
        var y = new float[bits.Length];
        TensorFormat.DequantizeRow(GgmlType.F16, MemoryMarshal.AsBytes(bits.AsSpan()), y);
        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24), -0f, float.PositiveInfinity], y);
        Assert.True(float.IsNegative(y[4]));
    }

    [Fact]
    public void Bf16()
    {
        ushort[] bits = [0x3F80, 0x4049, 0xFF80, 0x0001];
        var y = new float[bits.Length];
        TensorFormat.DequantizeRow(GgmlType.BF16, MemoryMarshal.AsBytes(bits.AsSpan()), y);
        Assert.Equal([1f, 3.140625f, float.NegativeInfinity, BitConverter.UInt32BitsToSingle(0x00010000)], y);
    }

    [Fact]
    public void F32IsACopy()
    {
        float[] x = [1.5f, -0f, float.NaN, 3e38f];
        var y = new float[4];
        TensorFormat.DequantizeRow(GgmlType.F32, MemoryMarshal.AsBytes(x.AsSpan()), y);
        Assert.Equal(MemoryMarshal.AsBytes(x.AsSpan()).ToArray(), MemoryMarshal.AsBytes(y.AsSpan()).ToArray());
    }
}
