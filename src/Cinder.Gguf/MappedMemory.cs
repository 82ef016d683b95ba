using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Cinder.Gguf;

/// <summary>
/// A read-only view of a whole file, memory-mapped so that opening costs nothing and resident memory grows
/// only with the pages touched; or, for tests and in-memory data, pinned managed bytes behind the same pointer.
/// </summary>
public sealed unsafe class MappedMemory : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private GCHandle _pin;
    private byte* _pointer;

    private MappedMemory(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + view.PointerOffset;
        Length = length;
    }

    private MappedMemory(byte[] bytes)
    {
        _pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        _pointer = (byte*)_pin.AddrOfPinnedObject();
        Length = bytes.Length;
    }

    /// <summary>Maps <paramref name="path"/> read-only. An empty file maps to a zero-length view.</summary>
    /// <remarks>
    /// The length comes from the opened file, not from FileInfo: for a symbolic link (as model caches keep
    /// their files) FileInfo reports the link's own size.
    /// </remarks>
    public static MappedMemory Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length == 0)
        {
            stream.Dispose();
            return new MappedMemory(System.Array.Empty<byte>());
        }
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedMemory(file, view, length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Wraps managed bytes (pinned until disposed).</summary>
    public static MappedMemory FromBytes(byte[] bytes) => new(bytes);

    public byte* Pointer => _pointer != null || Length == 0 ? _pointer : throw new ObjectDisposedException(nameof(MappedMemory));

    public long Length { get; }

    /// <summary>True when the bytes come from a file mapping (as opposed to pinned managed memory).</summary>
    public bool IsFileMapping => _view is not null;

    /// <summary>
    /// Asks the kernel for transparent huge pages on [offset, offset+length) (madvise MADV_HUGEPAGE).
    /// Fewer TLB misses when a decode step streams every weight; a no-op where unsupported.
    /// Returns true when the kernel accepted the advice.
    /// </summary>
    public bool AdviseHugePages(long offset, long length) => Advise(offset, length, NativeMethods.MadvHugePage);

    /// <summary>
    /// Drops this process's pages of [offset, offset+length) (MADV_DONTNEED): for data copied elsewhere and
    /// not read again. The file stays in the page cache; only this mapping's resident memory shrinks. Whole
    /// pages inside the range only, so neighbouring data is untouched.
    /// </summary>
    public bool AdviseDontNeed(long offset, long length)
    {
        if (!IsFileMapping || !OperatingSystem.IsLinux()) return false;
        long page = Environment.SystemPageSize;
        long start = (offset + page - 1) / page * page, end = (offset + length) / page * page;
        return end > start && NativeMethods.Advise(_pointer + start, end - start, NativeMethods.MadvDontNeed);
    }

    /// <summary>Tells the kernel the range will be read soon (MADV_WILLNEED), starting read-ahead.</summary>
    public bool AdviseWillNeed(long offset, long length) => Advise(offset, length, NativeMethods.MadvWillNeed);

    private bool Advise(long offset, long length, int advice)
    {
        if (!IsFileMapping || !OperatingSystem.IsLinux() || length <= 0) return false;
        return NativeMethods.Advise(_pointer + offset, length, advice);
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            if (_pointer != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file!.Dispose();
        }
        if (_pin.IsAllocated) _pin.Free();
        _pointer = null;
    }
}
