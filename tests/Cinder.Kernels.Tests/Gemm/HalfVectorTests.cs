using System.Runtime.Intrinsics;
using Cinder.Kernels.Gemm;

namespace Cinder.Kernels.Tests.Gemm;

public class HalfVectorTests
{
    [Fact]
    public void EveryHalfConvertsExactlyInBothWidthsAndTheTable()
    {
        var bits = new ushort[8];
        for (int start = 0; start < 65536; start += 8)
        {
            for (int i = 0; i < 8; i++) bits[i] = (ushort)(start + i);
            var wide = HalfVector.ToSingle(Vector128.Create(bits));
            var narrow = HalfVector.ToSingle(Vector64.Create(bits[0], bits[1], bits[2], bits[3]));
            for (int i = 0; i < 8; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
                // Bit-exact, NaN payloads included.
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(wide[i]));
                if (i < 4) Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(narrow[i]));
                Assert.True(expected.Equals(HalfVector.ToSingle(bits[i])), $"table {bits[i]:X4}");
            }
        }
    }
}
