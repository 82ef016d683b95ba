using Cinder.Core;

namespace Cinder.Gguf.Tests;

public class GgufRoundTripTests
{
    private static byte[] WriteToBytes(GgufWriter writer)
    {
        using var ms = new MemoryStream();
        writer.Write(ms);
        return ms.ToArray();
    }

    [Fact]
    public void EveryValueTypeSurvivesARoundTrip()
    {
        var w = new GgufWriter();
        w.Set("u8", GgufValue.UInt8(250))
         .Set("i8", GgufValue.Int8(-100))
         .Set("u16", GgufValue.UInt16(65000))
         .Set("i16", GgufValue.Int16(-32000))
         .Set("u32", GgufValue.UInt32(4_000_000_000))
         .Set("i32", GgufValue.Int32(-2_000_000_000))
         .Set("f32", GgufValue.Float32(3.25f))
         .Set("bool", GgufValue.Bool(true))
         .Set("str", GgufValue.String("héllo ✓ 🦙"))
         .Set("u64", GgufValue.UInt64(ulong.MaxValue))
         .Set("i64", GgufValue.Int64(long.MinValue))
         .Set("f64", GgufValue.Float64(-1e300))
         .Set("arr.u8", GgufValue.Array(new byte[] { 1, 2, 3 }))
         .Set("arr.i32", GgufValue.Array(new[] { -1, 0, 1 }))
         .Set("arr.f32", GgufValue.Array(new[] { 0.5f, -0.25f }))
         .Set("arr.bool", GgufValue.Array(new[] { true, false, true }))
         .Set("arr.str", GgufValue.Array(new[] { "a", "", "ünï" }))
         .Set("arr.u64", GgufValue.Array(new ulong[] { 7, 8 }))
         .Set("arr.f64", GgufValue.Array(new[] { 1.5, 2.5 }))
         .Set("arr.empty", GgufValue.Array(Array.Empty<int>()))
         .Set("arr.arr", GgufValue.Array(new[] { GgufValue.Array(new[] { 1, 2 }), GgufValue.Array(new[] { "x", "y", "z" }) }))
         .Set("arr.arr.arr", GgufValue.Array(new[] { GgufValue.Array(new[] { GgufValue.Array(new[] { 9f }) }) }));

        using var f = GgufFile.FromBytes(WriteToBytes(w));
        var m = f.Metadata;
        Assert.Equal(3u, f.Version);
        Assert.Equal(w.Metadata.Select(e => e.Key), m.Entries.Select(e => e.Key));
        Assert.Equal((byte)250, m.Get("u8").Raw);
        Assert.Equal((sbyte)-100, m.Get("i8").Raw);
        Assert.Equal((ushort)65000, m.Get("u16").Raw);
        Assert.Equal((short)-32000, m.Get("i16").Raw);
        Assert.Equal(4_000_000_000u, m.Get("u32").Raw);
        Assert.Equal(-2_000_000_000, m.Get("i32").Raw);
        Assert.Equal(3.25f, m.Get("f32").Raw);
        Assert.Equal(true, m.Get("bool").Raw);
        Assert.Equal("héllo ✓ 🦙", m.GetString("str"));
        Assert.Equal(ulong.MaxValue, m.Get("u64").Raw);
        Assert.Equal(long.MinValue, m.Get("i64").Raw);
        Assert.Equal(-1e300, m.Get("f64").Raw);
        Assert.Equal(new byte[] { 1, 2, 3 }, m.GetArray<byte>("arr.u8"));
        Assert.Equal(new[] { -1, 0, 1 }, m.GetArray<int>("arr.i32"));
        Assert.Equal(new[] { 0.5f, -0.25f }, m.GetArray<float>("arr.f32"));
        Assert.Equal(new[] { true, false, true }, m.GetArray<bool>("arr.bool"));
        Assert.Equal(new[] { "a", "", "ünï" }, m.GetArray<string>("arr.str"));
        Assert.Equal(new ulong[] { 7, 8 }, m.GetArray<ulong>("arr.u64"));
        Assert.Equal(new[] { 1.5, 2.5 }, m.GetArray<double>("arr.f64"));
        Assert.Empty(m.GetArray<int>("arr.empty"));
        var nested = m.GetArray<GgufValue>("arr.arr");
        Assert.Equal(new[] { 1, 2 }, nested[0].AsArray<int>());
        Assert.Equal(new[] { "x", "y", "z" }, nested[1].AsArray<string>());
        var deep = m.GetArray<GgufValue>("arr.arr.arr");
        Assert.Equal(new[] { 9f }, deep[0].AsArray<GgufValue>()[0].AsArray<float>());
        Assert.Equal(-2_000_000_000, m.GetInteger("i32"));
        Assert.Equal(250, m.GetInteger("u8"));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(4096)]
    public void TensorsAreAlignedAndReadBack(int alignment)
    {
        var w = new GgufWriter(alignment);
        w.Set("general.architecture", GgufValue.String("llama"));
        var a = Enumerable.Range(0, 15).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, 6).Select(i => (byte)(i * 3)).ToArray();
        w.AddTensor("a", GgmlType.F32, new long[] { 5, 3 }, System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()).ToArray());
        w.AddTensor("b", GgmlType.I8, new long[] { 6 }, b);
        using var f = GgufFile.FromBytes(WriteToBytes(w));
        Assert.Equal(alignment, f.Alignment);
        Assert.Equal(0, f.DataOffset % alignment);
        var ta = f.GetTensor("a");
        Assert.Equal(new long[] { 5, 3 }, ta.Shape);
        Assert.Equal(3, ta.RowCount);
        Assert.Equal(a, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.GetData(ta)).ToArray());
        var tb = f.GetTensor("b");
        Assert.Equal(0, tb.DataOffset % alignment);
        Assert.Equal(b, f.GetData(tb).ToArray());
    }

    [Fact]
    public void VersionTwoFilesAreRead()
    {
        var w = new GgufWriter();
        w.Set("k", GgufValue.String("v"));
        var bytes = WriteToBytes(w);
        bytes[4] = 2; // versions 2 and 3 share the layout; 3 only added big-endian files
        using var f = GgufFile.FromBytes(bytes);
        Assert.Equal(2u, f.Version);
        Assert.Equal("v", f.Metadata.GetString("k"));
    }

    [Fact]
    public void StoriesModelIsReadCompletely()
    {
        using var f = GgufFile.Open(TestSupport.SharedData.Stories260K);
        Assert.Equal(48, f.Tensors.Count);
        Assert.Equal("llama", f.Metadata.GetString("general.architecture"));
        Assert.Equal(5, f.Metadata.GetInteger("llama.block_count"));
        Assert.Equal(512, f.Metadata.GetArray<string>("tokenizer.ggml.tokens").Length);
        long end = f.Tensors.Max(t => t.DataOffset + t.ByteSize);
        Assert.True(end <= f.FileSize);
        Assert.All(f.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
    }

    [Fact]
    public void CopyingAModelThroughTheWriterPreservesEveryByteOfData()
    {
        using var f = GgufFile.Open(TestSupport.SharedData.Stories260K);
        var w = new GgufWriter(f.Alignment);
        foreach (var (k, v) in f.Metadata.Entries) if (k != "general.alignment") w.Set(k, v);
        foreach (var t in f.Tensors) w.AddTensor(t.Name, t.Type, t.Shape, f.GetData(t).ToArray());
        using var copy = GgufFile.FromBytes(WriteToBytes(w));
        Assert.Equal(f.Metadata.Entries.Count, copy.Metadata.Entries.Count);
        foreach (var t in f.Tensors) Assert.True(f.GetData(t).SequenceEqual(copy.GetData(copy.GetTensor(t.Name))), t.Name);
    }

    [Fact]
    public void WriterRejectsWrongDataSize()
    {
        var w = new GgufWriter();
        Assert.Throws<ArgumentException>(() => w.AddTensor("x", GgmlType.F32, new long[] { 4 }, new byte[15]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("q", GgmlType.Q8_0, new long[] { 31 }, new byte[34]));
    }

    [Fact]
    public void AModelOpensThroughASymbolicLink()
    {
        // Model caches (Hugging Face's among them) keep files behind symbolic links.
        var dir = TestSupport.SharedData.NewTempDirectory();
        try
        {
            var link = Path.Combine(dir, "linked.gguf");
            File.CreateSymbolicLink(link, TestSupport.SharedData.Stories260K);
            using var f = GgufFile.Open(link);
            Assert.Equal(48, f.Tensors.Count);
            Assert.Equal(new FileInfo(TestSupport.SharedData.Stories260K).Length, f.FileSize);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
