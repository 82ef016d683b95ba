using Cinder.Kernels.Ops;

namespace Cinder.Kernels.Tests.Ops;

/// <summary>RoPE: each vector width against the scalar reference, bit for bit, and the rotation itself on known angles.</summary>
public class RopeTests
{
    [Theory]
    [InlineData(8, 64, 64, 12)]   // llama160m / TinyLlama heads
    [InlineData(4, 64, 64, 12)]
    [InlineData(1, 64, 64, 12)]
    [InlineData(8, 8, 8, 8)]      // stories260K heads
    [InlineData(4, 8, 8, 8)]
    [InlineData(8, 128, 96, 2)]   // partial rotary width, a remainder below a whole vector
    [InlineData(4, 128, 98, 2)]
    [InlineData(8, 10, 6, 3)]
    public void EveryWidthMatchesTheReferenceBitForBit(int width, int headDim, int rotaryDims, int heads)
    {
        var rope = new Rope(rotaryDims, 10000f);
        var random = new Random(headDim * 31 + rotaryDims);
        foreach (int position in new[] { 0, 1, 7, 100, 2047, 131071 })
        {
            var x = Enumerable.Range(0, headDim * heads).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            var expected = x.ToArray();
            rope.Reference(expected, headDim, position);
            rope.Apply(x, headDim, position, width);
            for (int i = 0; i < x.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(x[i]), $"width {width} position {position} index {i}: {x[i]} != {expected[i]}");
        }
    }

    [Fact]
    public void PairsAreRotatedByPositionTimesTheirFrequency()
    {
        // Two pairs with base 100: frequencies 1 and 1/10. Position 3 turns (1, 0) by 3 radians and (0, 1) by 0.3.
        var rope = new Rope(4, 100f);
        float[] x = [1, 0, 0, 1, 5, 6]; // the last two values are beyond the rotary width and stay
        rope.Apply(x, 6, 3);
        Assert.Equal(MathF.Cos(3), x[0], 5);
        Assert.Equal(MathF.Sin(3), x[1], 5);
        Assert.Equal(-MathF.Sin(0.3f), x[2], 5);
        Assert.Equal(MathF.Cos(0.3f), x[3], 5);
        Assert.Equal(5f, x[4]);
        Assert.Equal(6f, x[5]);
    }
}
