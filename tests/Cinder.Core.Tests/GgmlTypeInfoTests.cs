using Cinder.TestSupport;

namespace Cinder.Core.Tests;

/// <summary>Block geometry of every tensor type, checked against ggml's own tables (libggml-base through LLamaSharp).</summary>
public class GgmlTypeInfoTests
{
    /// <summary>
    /// The last number Cinder's table holds (MXFP4). The ggml the tests load also defines NVFP4 (40), Q1_0 (41) and
    /// Q2_0 (42), newer than Cinder's table: a file with those is refused as an unknown type.
    /// </summary>
    private const int LastTypeCinderKnows = 39;

    public static TheoryData<GgmlType> AllTypes => [.. Enum.GetValues<GgmlType>()];

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void GeometryIsGgmls(GgmlType type)
    {
        var ggml = LlamaCpp.GgmlTypeTraits((int)type);
        Assert.True(ggml is not null, $"ggml does not define type number {(int)type} ({type})");
        Assert.True(GgmlTypeInfo.TryGet(type, out var info));
        Assert.Equal(type, info.Type);
        Assert.Equal(ggml.Value.BlockSize, info.BlockSize);
        Assert.Equal(ggml.Value.TypeSize, info.TypeSize);
        Assert.Equal(ggml.Value.Name, info.Name, ignoreCase: true);
        Assert.Equal(type.ToString(), info.Name);
        Assert.Equal(info.Name, info.ToString());
        Assert.Equal(info, GgmlTypeInfo.Get(type));
    }

    [Fact]
    public void AllListsExactlyTheTypesGgmlDefinesUpToMxfp4()
    {
        var ggml = Enumerable.Range(0, LastTypeCinderKnows + 1).Where(n => LlamaCpp.GgmlTypeTraits(n) is not null).ToArray();
        Assert.Equal(ggml, GgmlTypeInfo.All.Select(i => (int)i.Type).Order().ToArray());
        Assert.Equal(ggml, Enum.GetValues<GgmlType>().Select(t => (int)t).Order().ToArray());
        foreach (int retired in Enumerable.Range(0, LastTypeCinderKnows + 1).Except(ggml))
            Assert.False(GgmlTypeInfo.TryGet((GgmlType)retired, out _), $"number {retired} is retired by ggml");
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void RowBytesAreGgmlRowSizes(GgmlType type)
    {
        var info = GgmlTypeInfo.Get(type);
        foreach (long blocks in new long[] { 0, 1, 2, 7, 11008 / 32, 1 << 20 })
        {
            long elements = blocks * info.BlockSize;
            Assert.Equal(LlamaCpp.GgmlRowSize(type, elements), info.RowBytes(elements));
        }
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void RowBytesRejectsARowThatIsNotWholeBlocks(GgmlType type)
    {
        var info = GgmlTypeInfo.Get(type);
        if (info.BlockSize == 1)
        {
            // Every length is whole blocks; the only failure left is overflow.
            Assert.Equal(3L * info.TypeSize, info.RowBytes(3));
            return;
        }
        foreach (long elements in new long[] { 1, info.BlockSize - 1, info.BlockSize + 1, 172 })
        {
            if (elements % info.BlockSize == 0) continue;
            var e = Assert.Throws<ArgumentException>(() => info.RowBytes(elements));
            Assert.Equal("elements", e.ParamName);
            Assert.Contains($"{elements} elements", e.Message);
            Assert.Contains($"{info.Name} block size {info.BlockSize}", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void RowBytesOverflowIsAnErrorNotAWrapAround(GgmlType type)
    {
        var info = GgmlTypeInfo.Get(type);
        long blocksInALong = long.MaxValue / info.BlockSize; // the most whole blocks an element count can hold
        long blocksThatFit = long.MaxValue / info.TypeSize;  // the most blocks whose bytes a long can hold
        if (blocksThatFit >= blocksInALong)
        {
            // Fewer bytes than elements per block (most quantizations, I8): any row has a byte count.
            Assert.Equal(blocksInALong * info.TypeSize, info.RowBytes(blocksInALong * info.BlockSize));
            return;
        }
        Assert.Equal(blocksThatFit * info.TypeSize, info.RowBytes(blocksThatFit * info.BlockSize));
        Assert.Throws<OverflowException>(() => info.RowBytes((blocksThatFit + 1) * info.BlockSize));
        Assert.Throws<OverflowException>(() => info.RowBytes(blocksInALong * info.BlockSize));
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void TryParseTakesEveryNameInAnyCase(GgmlType type)
    {
        string name = type.ToString();
        foreach (var spelling in new[] { name, name.ToLowerInvariant(), name.ToUpperInvariant() })
        {
            Assert.True(GgmlTypeInfo.TryParse(spelling, out var parsed), spelling);
            Assert.Equal(type, parsed);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("q9_0")]
    [InlineData("q4_k_m")] // a llama_ftype (file type) name, not a tensor type
    [InlineData("f32 ")]
    [InlineData(" f16")]
    [InlineData("Q4_2")] // retired by ggml
    [InlineData("2")] // a number is not a name
    public void TryParseRejectsWhatIsNotATypeName(string text)
    {
        Assert.False(GgmlTypeInfo.TryParse(text, out var type));
        Assert.Equal(default, type);
    }

    [Theory]
    [InlineData(4)]  // Q4_2, retired
    [InlineData(31)] // Q4_0_4_4, retired (repacked at load time instead)
    [InlineData(43)] // past ggml's table
    [InlineData(1000)]
    public void AnUndefinedNumberIsAnUnsupportedType(int number)
    {
        Assert.False(GgmlTypeInfo.TryGet((GgmlType)number, out _));
        var e = Assert.Throws<UnsupportedTensorTypeException>(() => GgmlTypeInfo.Get((GgmlType)number));
        Assert.Equal((GgmlType)number, e.Type);
        Assert.Null(e.Tensor);
        Assert.Equal($"tensor type #{number} is not supported: Cinder does not know this tensor type number (newer ggml types such as NVFP4 are not supported)", e.Message);
    }

    [Fact]
    public void ANegativeRowLengthIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GgmlTypeInfo.Get(GgmlType.Q8_0).RowBytes(-32));
        Assert.Equal("elements", e.ParamName);
    }
}
