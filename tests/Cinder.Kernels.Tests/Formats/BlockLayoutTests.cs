using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Tests.Formats;

/// <summary>Every block struct has ggml's exact size and field offsets (ggml-common.h), so tensor bytes can be viewed as blocks.</summary>
public class BlockLayoutTests
{
    private static void AssertBlock<T>(int bytes, int elements) where T : unmanaged, IQuantBlock<T>
    {
        Assert.Equal(bytes, Unsafe.SizeOf<T>());
        Assert.Equal(bytes, Marshal.SizeOf<T>());
        Assert.Equal(elements, T.BlockLength);
        var info = GgmlTypeInfo.Get(T.Type);
        Assert.Equal(info.TypeSize, bytes);
        Assert.Equal(info.BlockSize, elements);
    }

    [Fact] public void Q4_0Is18Bytes() => AssertBlock<BlockQ4_0>(18, 32);
    [Fact] public void Q4_1Is20Bytes() => AssertBlock<BlockQ4_1>(20, 32);
    [Fact] public void Q5_0Is22Bytes() => AssertBlock<BlockQ5_0>(22, 32);
    [Fact] public void Q5_1Is24Bytes() => AssertBlock<BlockQ5_1>(24, 32);
    [Fact] public void Q8_0Is34Bytes() => AssertBlock<BlockQ8_0>(34, 32);
    [Fact] public void Q8_1Is36Bytes() => AssertBlock<BlockQ8_1>(36, 32);
    [Fact] public void Q2_KIs84Bytes() => AssertBlock<BlockQ2_K>(84, 256);
    [Fact] public void Q3_KIs110Bytes() => AssertBlock<BlockQ3_K>(110, 256);
    [Fact] public void Q4_KIs144Bytes() => AssertBlock<BlockQ4_K>(144, 256);
    [Fact] public void Q5_KIs176Bytes() => AssertBlock<BlockQ5_K>(176, 256);
    [Fact] public void Q6_KIs210Bytes() => AssertBlock<BlockQ6_K>(210, 256);
    [Fact] public void Q8_KIs292Bytes() => AssertBlock<BlockQ8_K>(292, 256);

    [Fact]
    public void FieldOffsetsFollowGgmlCommonH()
    {
        Assert.Equal(2, (int)Marshal.OffsetOf<BlockQ4_0>(nameof(BlockQ4_0.Qs)));
        Assert.Equal(2, (int)Marshal.OffsetOf<BlockQ4_1>(nameof(BlockQ4_1.M)));
        Assert.Equal(4, (int)Marshal.OffsetOf<BlockQ4_1>(nameof(BlockQ4_1.Qs)));
        Assert.Equal(2, (int)Marshal.OffsetOf<BlockQ5_0>(nameof(BlockQ5_0.Qh)));
        Assert.Equal(6, (int)Marshal.OffsetOf<BlockQ5_0>(nameof(BlockQ5_0.Qs)));
        Assert.Equal(8, (int)Marshal.OffsetOf<BlockQ5_1>(nameof(BlockQ5_1.Qs)));
        Assert.Equal(4, (int)Marshal.OffsetOf<BlockQ8_1>(nameof(BlockQ8_1.Qs)));
        Assert.Equal(16, (int)Marshal.OffsetOf<BlockQ2_K>(nameof(BlockQ2_K.Qs)));
        Assert.Equal(80, (int)Marshal.OffsetOf<BlockQ2_K>(nameof(BlockQ2_K.D)));
        Assert.Equal(82, (int)Marshal.OffsetOf<BlockQ2_K>(nameof(BlockQ2_K.Dmin)));
        Assert.Equal(32, (int)Marshal.OffsetOf<BlockQ3_K>(nameof(BlockQ3_K.Qs)));
        Assert.Equal(96, (int)Marshal.OffsetOf<BlockQ3_K>(nameof(BlockQ3_K.Scales)));
        Assert.Equal(108, (int)Marshal.OffsetOf<BlockQ3_K>(nameof(BlockQ3_K.D)));
        Assert.Equal(4, (int)Marshal.OffsetOf<BlockQ4_K>(nameof(BlockQ4_K.Scales)));
        Assert.Equal(16, (int)Marshal.OffsetOf<BlockQ4_K>(nameof(BlockQ4_K.Qs)));
        Assert.Equal(16, (int)Marshal.OffsetOf<BlockQ5_K>(nameof(BlockQ5_K.Qh)));
        Assert.Equal(48, (int)Marshal.OffsetOf<BlockQ5_K>(nameof(BlockQ5_K.Qs)));
        Assert.Equal(128, (int)Marshal.OffsetOf<BlockQ6_K>(nameof(BlockQ6_K.Qh)));
        Assert.Equal(192, (int)Marshal.OffsetOf<BlockQ6_K>(nameof(BlockQ6_K.Scales)));
        Assert.Equal(208, (int)Marshal.OffsetOf<BlockQ6_K>(nameof(BlockQ6_K.D)));
        Assert.Equal(4, (int)Marshal.OffsetOf<BlockQ8_K>(nameof(BlockQ8_K.Qs)));
        Assert.Equal(260, (int)Marshal.OffsetOf<BlockQ8_K>(nameof(BlockQ8_K.Bsums)));
    }
}
