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
}
