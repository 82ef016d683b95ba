using System.Runtime.InteropServices;

namespace Cinder.Gguf;

/// <summary>The few libc calls .NET does not wrap: madvise for huge pages and read-ahead on mapped weights.</summary>
internal static unsafe partial class NativeMethods
{
    internal const int MadvWillNeed = 3;
    internal const int MadvDontNeed = 4;
    internal const int MadvHugePage = 14;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

    /// <summary>madvise over the pages that cover [p, p+length); false when the kernel refuses.</summary>
    internal static bool Advise(byte* p, long length, int advice)
    {
        long page = Environment.SystemPageSize;
        long start = (long)p & ~(page - 1);
        long end = ((long)p + length + page - 1) & ~(page - 1);
        try
        {
            return madvise((nint)start, (nuint)(end - start), advice) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}
