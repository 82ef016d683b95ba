using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Cinder.Core;
using Cinder.TestSupport;

namespace Cinder.Gguf.Tests;

/// <summary>Corrupt and hostile files end in GgufFormatException, quickly and without allocating more than the file's size.</summary>
public class GgufRobustnessTests
{
    private static readonly byte[] Stories = File.ReadAllBytes(SharedData.Stories260K);
    private static readonly long StoriesDataOffset = OpenStories().DataOffset;

    private static GgufFile OpenStories()
    {
        using var f = GgufFile.FromBytes(File.ReadAllBytes(SharedData.Stories260K));
        return f;
    }

    /// <summary>Parses and returns the exception (or null on success), asserting the bounds every case must meet.</summary>
    private static GgufFormatException? Parse(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        GgufFormatException? error = null;
        try
        {
            using var f = GgufFile.FromBytes(bytes);
        }
        catch (GgufFormatException e)
        {
            error = e;
        }
        sw.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The reader charges what it allocates against the file's size (with a 64 KiB floor for tiny files);
        // the slack covers the exception and the test's own bookkeeping.
        Assert.True(allocated <= Math.Max(bytes.Length, 64 << 10) + (64 << 10), $"allocated {allocated} bytes for a {bytes.Length}-byte file");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"took {sw.Elapsed}");
        return error;
    }

    private static byte[] Header(uint version, ulong tensors, ulong kvs)
    {
        var b = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(b, GgufFile.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), version);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), tensors);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), kvs);
        return b;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    private static byte[] U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }
    private static byte[] Str(string s) => Concat(U64((ulong)Encoding.UTF8.GetByteCount(s)), Encoding.UTF8.GetBytes(s));

    [Fact]
    public void EveryTruncationOfTheHeaderFailsCleanly()
    {
        for (int length = 0; length < StoriesDataOffset; length++)
        {
            var e = Parse(Stories.AsSpan(0, length).ToArray());
            Assert.NotNull(e);
        }
    }

    [Fact]
    public void TruncatedTensorDataIsReportedWithTheTensorName()
    {
        var e = Parse(Stories.AsSpan(0, Stories.Length - 1).ToArray());
        Assert.NotNull(e);
        using var intact = GgufFile.FromBytes(Stories);
        var last = intact.Tensors.MaxBy(t => t.DataOffset + t.ByteSize)!;
        Assert.Equal(last.Name, e!.Subject);
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void SeededMutationsNeverEscapeAsAnotherException()
    {
        var random = new Random(20261126);
        int failures = 0, cases = 4000;
        for (int i = 0; i < cases; i++)
        {
            var bytes = (byte[])Stories.Clone();
            int kind = random.Next(4);
            int region = (int)StoriesDataOffset + 64;
            switch (kind)
            {
                case 0: // flip a few random bits in the header
                    for (int k = random.Next(1, 9); k > 0; k--) bytes[random.Next(region)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // overwrite 8 bytes with an extreme value (lengths, counts, offsets, dims)
                    {
                        ulong[] extremes = { ulong.MaxValue, long.MaxValue, 1UL << 63, 1UL << 32, uint.MaxValue, 0, 1UL << 40 };
                        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(random.Next(region - 8)), extremes[random.Next(extremes.Length)]);
                        break;
                    }
                case 2: // random byte values
                    for (int k = random.Next(1, 5); k > 0; k--) bytes[random.Next(region)] = (byte)random.Next(256);
                    break;
                default: // truncate somewhere, then corrupt
                    bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
                    if (bytes.Length > 0) bytes[random.Next(bytes.Length)] ^= 0xFF;
                    break;
            }
            if (Parse(bytes) is not null) failures++;
        }
        // Most mutations must be detected; some (a flipped bit in a float score) are legitimately harmless.
        Assert.True(failures > cases / 4, $"only {failures} of {cases} mutations were rejected");
    }

    [Fact]
    public void RandomBytesAreNotGguf()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            Assert.NotNull(Parse(bytes));
        }
    }

    public static TheoryData<string, byte[], string> HostileFiles => new()
    {
        { "bad magic", Concat(Encoding.ASCII.GetBytes("GGML"), U32(3), U64(0), U64(0)), "not a GGUF file" },
        { "version 1", Header(1, 0, 0), "version 1 is not supported" },
        { "version 4", Header(4, 0, 0), "unsupported GGUF version 4" },
        { "big endian", Header(0x03000000, 0, 0), "big-endian" },
        { "absurd tensor count", Header(3, 1UL << 60, 0), "tensor_count" },
        { "tensor count beyond the file", Header(3, 1000, 0), "remain" },
        { "absurd kv count", Header(3, 0, ulong.MaxValue), "kv_count" },
        { "huge key length", Concat(Header(3, 0, 1), U64(ulong.MaxValue), new byte[16]), "string length" },
        { "key beyond the file", Concat(Header(3, 0, 1), U64(100), Encoding.ASCII.GetBytes("abcdefghijkl")), "unexpected end of file" },
        { "many tiny keys", Concat(Header(3, 0, 4000), Enumerable.Range(0, 4000).SelectMany(i => Concat(Str($"k{i}"), U32(0), new byte[] { 1 })).ToArray()), "more memory than the file" },
        { "unknown value type", Concat(Header(3, 0, 1), Str("k"), U32(13)), "unknown value type 13" },
        { "bool not 0 or 1", Concat(Header(3, 0, 1), Str("flag"), U32(7), new byte[] { 2 }), "neither 0 nor 1" },
        { "huge array", Concat(Header(3, 0, 1), Str("arr"), U32(9), U32(4), U64(1UL << 62)), "exceeds the limit" },
        { "array beyond the file", Concat(Header(3, 0, 1), Str("arr"), U32(9), U32(10), U64(1000), U64(1)), "remain" },
        { "string array beyond the file", Concat(Header(3, 0, 1), Str("arr"), U32(9), U32(8), U64(1000), Str("x")), "remain" },
        { "deeply nested arrays", Concat(Header(3, 0, 1), Str("deep"), U32(9), Enumerable.Repeat(Concat(U32(9), U64(1)), 6).SelectMany(x => x).ToArray(), U32(9), U32(4), U64(0)), "nested deeper" },
        { "duplicate key", Concat(Header(3, 0, 2), Str("k"), U32(4), U32(1), Str("k"), U32(4), U32(2)), "duplicate metadata key" },
        { "alignment zero", Concat(Header(3, 0, 1), Str("general.alignment"), U32(4), U32(0)), "power of two" },
        { "alignment not a power of two", Concat(Header(3, 0, 1), Str("general.alignment"), U32(4), U32(48)), "power of two" },
        { "alignment of the wrong type", Concat(Header(3, 0, 1), Str("general.alignment"), U32(5), U32(32)), "must be a u32" },
        { "five dimensions", Concat(Header(3, 1, 0), Str("t"), U32(5), U64(1), U64(1), U64(1), U64(1), U64(1), U32(0), U64(0), new byte[64]), "5 dimensions" },
        { "zero dimensions", Concat(Header(3, 1, 0), Str("t"), U32(0), U32(0), U64(0), new byte[64]), "0 dimensions" },
        { "zero-length dimension", Concat(Header(3, 1, 0), Str("t"), U32(2), U64(4), U64(0), U32(0), U64(0), new byte[64]), "dimension 1 is 0" },
        { "element count overflow", Concat(Header(3, 1, 0), Str("t"), U32(4), U64(1UL << 32), U64(1UL << 32), U64(1UL << 32), U64(4), U32(0), U64(0), new byte[64]), "overflows" },
        { "byte size overflow", Concat(Header(3, 1, 0), Str("t"), U32(2), U64(1UL << 61), U64(2), U32(0), U64(0), new byte[64]), "overflows" },
        { "unknown tensor type", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(4), U32(99), U64(0), new byte[64]), "unknown tensor type 99" },
        { "row not a block multiple", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(31), U32(8), U64(0), new byte[64]), "not a multiple of the Q8_0 block size" },
        { "unaligned offset", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(4), U32(0), U64(4), new byte[64]), "not a multiple of the alignment" },
        { "offset beyond the file", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(4), U32(0), U64(1 << 20), new byte[64]), "outside" },
        { "absurd offset", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(4), U32(0), U64(ulong.MaxValue - 31), new byte[64]), "offset" },
        { "data past the end", Concat(Header(3, 1, 0), Str("t"), U32(1), U64(1000), U32(0), U64(0), new byte[64]), "outside" },
        { "tensor name too long", Concat(Header(3, 1, 0), Str(new string('n', 64)), U32(1), U64(4), U32(0), U64(0), new byte[64]), "exceeds the limit of 63" },
        { "duplicate tensor", Concat(Header(3, 2, 0), Str("t"), U32(1), U64(4), U32(0), U64(0), Str("t"), U32(1), U64(4), U32(0), U64(32), new byte[128]), "duplicate tensor" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void HostileFilesAreRejectedWithAClearMessage(string why, byte[] bytes, string expected)
    {
        var e = Parse(bytes);
        Assert.True(e is not null, $"{why}: accepted");
        Assert.Contains(expected, e!.Message);
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void ErrorsNameTheKeyOrTensorAndOffset()
    {
        var e = Parse(Concat(Header(3, 1, 0), Str("blk.0.attn_q.weight"), U32(1), U64(4), U32(77), U64(0)));
        Assert.Equal("blk.0.attn_q.weight", e!.Subject);
        Assert.Equal(24 + 8 + 19 + 4 + 8, e.Offset);
    }

    [Fact]
    public void AGigabyteModelOpensQuicklyAndMapsLazily()
    {
        var dir = SharedData.NewTempDirectory();
        try
        {
            var path = Path.Combine(dir, "big.gguf");
            const long rows = 16384, cols = 16384; // 1 GiB of F32 in one tensor
            var w = new GgufWriter();
            w.Set("general.architecture", GgufValue.String("test"));
            w.AddTensor("big", GgmlType.F32, new long[] { cols, rows }, _ => { });
            // Write the header through the writer, then extend the file sparsely: no gigabyte is written.
            using (var fs = new FileStream(path, FileMode.Create))
            {
                try { w.Write(fs); } catch (InvalidOperationException) { } // the tensor writer wrote nothing, as intended
                fs.SetLength(fs.Length + rows * cols * 4 + 64);
            }
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            long before = process.WorkingSet64;
            var sw = Stopwatch.StartNew();
            using var f = GgufFile.Open(path);
            sw.Stop();
            var t = f.GetTensor("big");
            Assert.Equal(rows * cols * 4, t.ByteSize);
            process.Refresh();
            long grown = process.WorkingSet64 - before;
            Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(500), $"opening took {sw.Elapsed}");
            Assert.True(grown < 64L << 20, $"resident memory grew by {grown >> 20} MiB on open");
            unsafe
            {
                // Touch one page in the middle: only that page becomes resident.
                byte* p = f.GetPointer(t) + t.ByteSize / 2;
                Assert.Equal(0, *p);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
