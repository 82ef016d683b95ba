using System.Runtime.InteropServices;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Native memory for repacked weights: 2 MiB aligned and advised for transparent huge pages (fewer TLB misses
/// when a decode step streams every weight), never moved or scanned by the garbage collector.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private const int HugePage = 2 << 20;

    public NativeBuffer(long bytes)
    {
        Length = bytes;
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), HugePage);
        // Huge pages over the whole 2 MiB pages only: a huge page over the partial tail would make all of it
        // resident (about 1 MiB per matrix on average, ~90 MiB over TinyLlama's 89 matrices).
        long whole = bytes / HugePage * HugePage;
        if (OperatingSystem.IsLinux() && whole > 0) Advise(Pointer, whole, 14); // MADV_HUGEPAGE
    }

    public byte* Pointer { get; private set; }

    public long Length { get; }

    public void Dispose()
    {
        if (Pointer != null) NativeMemory.AlignedFree(Pointer);
        Pointer = null;
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer()
    {
        if (Pointer != null) NativeMemory.AlignedFree(Pointer);
    }

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
