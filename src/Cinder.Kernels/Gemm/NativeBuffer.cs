using System.Runtime.InteropServices;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Native memory for repacked weights: 2 MiB aligned and advised for transparent huge pages (fewer TLB misses
/// when a decode step streams every weight), never moved or scanned by the garbage collector.
/// </summary>
/// <remarks>
/// On Linux the buffer is its own anonymous mapping, so disposing it gives the memory back to the system at once.
/// From the C heap, a freed buffer of a few MiB could stay in the process (glibc raises its mmap threshold after the
/// first large free): loading a second model after disposing a first kept most of the first's repacked weights
/// resident.
/// </remarks>
public sealed unsafe class NativeBuffer : IDisposable
{
    private const int HugePage = 2 << 20;
    private readonly long _mapped; // bytes mapped at Pointer, or 0 when the memory came from the C heap

    public NativeBuffer(long bytes)
    {
        Length = bytes;
        long page = Environment.SystemPageSize;
        long mapped = Math.Max(page, (bytes + page - 1) / page * page);
        byte* p = OperatingSystem.IsLinux() ? TryMapAligned(mapped) : null;
        if (p != null)
        {
            Pointer = p;
            _mapped = mapped;
        }
        else
        {
            Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), HugePage);
        }
        // Huge pages over the whole 2 MiB pages only: a huge page over the partial tail would make all of it
        // resident (about 1 MiB per matrix on average, ~90 MiB over TinyLlama's 89 matrices).
        long whole = bytes / HugePage * HugePage;
        if (OperatingSystem.IsLinux() && whole > 0) Advise(Pointer, whole, 14); // MADV_HUGEPAGE
    }

    public byte* Pointer { get; private set; }

    public long Length { get; }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() => Free();

    private void Free()
    {
        if (Pointer == null) return;
        if (_mapped > 0) _ = Munmap(Pointer, (nuint)_mapped);
        else NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }

    /// <summary>An anonymous private mapping of <paramref name="bytes"/> starting on a 2 MiB boundary, or null.</summary>
    private static byte* TryMapAligned(long bytes)
    {
        const int ProtReadWrite = 1 | 2, MapPrivateAnonymous = 0x02 | 0x20;
        try
        {
            // Over-allocate by one huge page, then unmap the unaligned head and the tail beyond the buffer.
            long total = bytes + HugePage;
            byte* raw = (byte*)Mmap(null, (nuint)total, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            if (raw == (byte*)-1 || raw == null) return null;
            byte* aligned = (byte*)(((long)raw + HugePage - 1) & ~((long)HugePage - 1));
            long head = aligned - raw, tail = total - head - bytes;
            if (head > 0) _ = Munmap(raw, (nuint)head);
            if (tail > 0) _ = Munmap(aligned + bytes, (nuint)tail);
            return aligned;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int Munmap(void* address, nuint length);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(void* address, nuint length, int advice);

    /// <summary>madvise, ignoring platforms without it (the advice is an optimisation only).</summary>
    internal static void Advise(byte* p, long bytes, int advice)
    {
        try
        {
            _ = Madvise(p, (nuint)bytes, advice);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }
}
