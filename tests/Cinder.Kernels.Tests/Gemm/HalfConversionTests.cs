using System.Runtime.Intrinsics;
using Cinder.Kernels.Gemm;

namespace Cinder.Kernels.Tests.Gemm;

public class HalfConversionTests
{
    private static IEnumerable<float> Samples()
    {
        var random = new Random(17);
        foreach (var f in new[] { 0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e9f, -1e9f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
                     6.1035156e-5f, 6.1035153e-5f, 5.9604645e-8f, 2.9802322e-8f, 2.98023259e-8f, 1e-10f, 0.33333334f, 2049f, 2051f, 1e-5f })
            yield return f;
        for (int i = 0; i < 200_000; i++)
        {
            // Random bit patterns cover every exponent, including subnormal and overflowing ones.
            yield return BitConverter.Int32BitsToSingle(random.Next() | (random.Next(2) << 31));
        }
    }

    [Fact]
    public void FloatsRoundToHalvesLikeSystemHalfInEveryWidth()
    {
        var batch = new float[16];
        int n = 0;
        foreach (var f in Samples())
        {
            batch[n++] = f;
            if (n < 16) continue;
            n = 0;
            var wide = HalfVector.ToHalf(Vector512.Create(batch));
            var narrow = HalfVector.ToHalf(Vector256.Create(batch.AsSpan(0, 8)));
            for (int i = 0; i < 16; i++)
            {
                ushort expected = BitConverter.HalfToUInt16Bits((Half)batch[i]);
                if (Half.IsNaN((Half)batch[i]))
                {
                    Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(wide[i])), $"{batch[i]}");
                    continue;
                }
                Assert.True(expected == wide[i], $"{batch[i]:R}: {wide[i]:X4} != {expected:X4}");
                if (i < 8) Assert.True(expected == narrow[i], $"{batch[i]:R}: {narrow[i]:X4} != {expected:X4} (256-bit)");
            }
        }
    }

    [Fact]
    public void RoundingToHalfPrecisionInFloatsEqualsARoundTripThroughHalf()
    {
        // Every float whose high 19 bits vary, with low bits that hit ties, just-below and just-above ties, plus
        // random low bits: all exponents (subnormal halves, overflow to infinity, infinities, NaN) and both signs.
        var random = new Random(5);
        var values = new List<float>();
        for (uint high = 0; high < 1u << 19; high += 3)
        {
            foreach (uint low in new uint[] { 0, 0x1000, 0x0FFF, 0x1001, 0x1FFF, (uint)random.Next(0x2000) })
                values.Add(BitConverter.UInt32BitsToSingle((high << 13) | low));
        }
        values.AddRange([65504f, 65519.99f, 65520f, -65520f, 6.1035156e-5f, 6.1035152e-5f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, -0f, float.Epsilon]);
        var input = values.ToArray();
        for (int i = 0; i + 16 <= input.Length; i += 16)
        {
            var rounded = HalfVector.RoundToHalfPrecision(Vector512.Create(input.AsSpan(i, 16)));
            for (int j = 0; j < 16; j++)
            {
                float expected = (float)(Half)input[i + j];
                float actual = rounded[j];
                Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
                    $"{input[i + j]:R} (0x{BitConverter.SingleToUInt32Bits(input[i + j]):X8}): {actual:R}, expected {expected:R}");
            }
        }
    }
}
