using System.Globalization;
using Cinder.Kernels.Gemm;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>Memory for repacked weights: 2 MiB aligned for huge pages, and no more resident than its length.</summary>
public unsafe class NativeBufferTests
{
    private const long HugePage = 2 << 20;

    [Fact]
    public void TheBufferIsAlignedForHugePagesAndWritable()
    {
        using var buffer = new NativeBuffer(3 * HugePage + 12345);
        Assert.Equal(0, (long)buffer.Pointer % HugePage);
        new Span<byte>(buffer.Pointer, 12345).Fill(7);
        buffer.Pointer[3 * HugePage + 12344] = 9;
        Assert.Equal(9, buffer.Pointer[3 * HugePage + 12344]);
    }

    [Fact]
    public void AFilledBufferKeepsNoMoreThanItsLengthResident()
    {
        // Huge pages over a partial last 2 MiB page would make all of it resident once its first byte is written
        // (about 1 MiB per matrix on average, tens of MiB over a model).
        long length = 3 * HugePage + 100 * 1024;
        using var buffer = new NativeBuffer(length);
        new Span<byte>(buffer.Pointer, (int)length).Fill(1);
        long resident = ResidentBytesOfMappingsOverlapping((long)buffer.Pointer, (long)buffer.Pointer + 4 * HugePage);
        Assert.InRange(resident, length, length + 64 * 1024);
    }

    [Fact]
    public void ADisposedBufferIsGivenBackToTheSystem()
    {
        // Disposing unmaps the buffer: none of it stays resident (a model unloaded before the next is loaded).
        long length = 3 * HugePage + 100 * 1024;
        var buffer = new NativeBuffer(length);
        long start = (long)buffer.Pointer;
        new Span<byte>(buffer.Pointer, (int)length).Fill(1);
        Assert.True(ResidentBytesOfMappingsOverlapping(start, start + length) >= length);
        buffer.Dispose();
        Assert.Equal(0, ResidentBytesOfMappingsOverlapping(start, start + length));
    }

    /// <summary>Sum of Rss over the mappings of this process that overlap [start, end), from /proc/self/smaps.</summary>
    private static long ResidentBytesOfMappingsOverlapping(long start, long end)
    {
        long total = 0;
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long from)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long to))
            {
                inside = from < end && to > start;
                continue;
            }
            if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                total += long.Parse(line["Rss:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        return total;
    }
}
