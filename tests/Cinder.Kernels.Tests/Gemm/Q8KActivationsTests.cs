using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Tests.Formats;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>The K-quant activations against ggml's quantize_row_q8_K_ref as <see cref="BlockQ8_K"/> transcribes it: the same bytes.</summary>
public unsafe class Q8KActivationsTests
{
    /// <summary>Rows of every shape <see cref="TestData.MixedRow"/> draws (zeros, constants, ties, heavy tails), plus a tie in magnitude of opposite signs.</summary>
    private static float[] Rows(int rows, int blocks)
    {
        var x = new float[rows * blocks * 256];
        for (int r = 0; r < rows; r++) TestData.MixedRow(17 + r, blocks).CopyTo(x, r * blocks * 256);
        // Same magnitude, opposite signs: the first one decides the sign of the scale.
        x[3] = -9.5f;
        x[200] = 9.5f;
        return x;
    }

    [Fact]
    public void LevelsScalesAndSumsAreGgmlsBytes()
    {
        const int rows = 3, blocks = 12;
        var x = Rows(rows, blocks);
        using var act = new Q8KActivations();
        fixed (float* p = x) act.Quantize(p, rows, blocks * 256);
        Assert.Equal(ActivationFormat.Q8_K, act.Format);
        Assert.Equal(blocks, act.BlocksPerRow);
        var values = new float[blocks * 256];
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < blocks; b++)
            {
                BlockQ8_K.Quantize(x.AsSpan((r * blocks + b) * 256, 256), out var reference);
                Assert.Equal(BitConverter.SingleToInt32Bits(reference.D), BitConverter.SingleToInt32Bits(act.Scales(r)[b]));
                for (int j = 0; j < 256; j++) Assert.True(reference.Qs[j] == act.Levels(r)[b * 256 + j], $"row {r} block {b} level {j}: {act.Levels(r)[b * 256 + j]}, ggml {reference.Qs[j]}");
                for (int j = 0; j < 16; j++) Assert.Equal(reference.Bsums[j], act.Sums16(r)[b * 16 + j]);
                for (int j = 0; j < 8; j++) Assert.Equal(reference.Bsums[2 * j] + reference.Bsums[2 * j + 1], act.Sums32(r)[b * 8 + j]);
            }
            act.DequantizeRow(r, values);
            for (int c = 0; c < values.Length; c++) Assert.Equal(act.Levels(r)[c] * act.Scales(r)[c / 256], values[c]);
        }
    }

    [Fact]
    public void VectorAndScalarBlockQuantizersAgree()
    {
        var x = Rows(1, 24);
        var q1 = new sbyte[256];
        var q2 = new sbyte[256];
        var s1 = new short[16];
        var s2 = new short[16];
        for (int b = 0; b < 24; b++)
        {
            float d1, d2;
            fixed (float* p = &x[b * 256])
            fixed (sbyte* pq1 = q1, pq2 = q2)
            fixed (short* ps1 = s1, ps2 = s2)
            {
                Q8KActivations.QuantizeBlockScalar(p, pq1, out d1, ps1);
                if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) Q8KActivations.QuantizeBlockVector256(p, pq2, out d2, ps2);
                else Q8KActivations.QuantizeBlock(p, pq2, out d2, ps2);
            }
            BlockQ8_K.Quantize(x.AsSpan(b * 256, 256), out var reference);
            Assert.Equal(BitConverter.SingleToInt32Bits(reference.D), BitConverter.SingleToInt32Bits(d1));
            Assert.Equal(BitConverter.SingleToInt32Bits(d1), BitConverter.SingleToInt32Bits(d2));
            Assert.Equal(q1, q2);
            Assert.Equal(s1, s2);
        }
    }

    [Fact]
    public void RowLengthsNotInSuperBlocksAreRejected()
    {
        using var act = new Q8KActivations();
        var x = new float[320];
        Assert.Throws<ArgumentException>(() =>
        {
            fixed (float* p = x) act.Quantize(p, 1, 320);
        });
    }
}
