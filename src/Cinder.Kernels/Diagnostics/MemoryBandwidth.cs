using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Threading;

namespace Cinder.Kernels.Diagnostics;

/// <summary>
/// Measures how fast the machine reads memory with all workers streaming (the bound on token generation,
/// which reads every weight once per token).
/// </summary>
public static unsafe class MemoryBandwidth
{
    /// <summary>Bytes per second reading <paramref name="bytes"/> of freshly allocated memory, best of <paramref name="passes"/>.</summary>
    /// <param name="hugePages">Ask for transparent huge pages on the buffer (madvise), as weights get.</param>
    public static double MeasureAnonymous(WorkerPool pool, long bytes = 1L << 30, int passes = 5, bool hugePages = true)
    {
        bytes &= ~4095L;
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 2 << 20);
        try
        {
            if (OperatingSystem.IsLinux()) NativeBuffer.Advise(p, bytes, hugePages ? 14 : 15); // MADV_HUGEPAGE / MADV_NOHUGEPAGE
            // Touch every page so the measurement reads memory rather than faulting it in.
            for (long i = 0; i < bytes; i += 4096) p[i] = (byte)i;
            return Measure(pool, p, bytes, passes);
        }
        finally
        {
            NativeMemory.AlignedFree(p);
        }
    }

    /// <summary>Bytes per second reading [p, p+bytes) with every worker, best of <paramref name="passes"/> (the first pass warms up).</summary>
    public static double Measure(WorkerPool pool, byte* p, long bytes, int passes = 5)
    {
        var job = new ReadJob { Data = p, Length = bytes };
        pool.Run(job);
        double best = 0;
        for (int i = 0; i < passes; i++)
        {
            var sw = Stopwatch.StartNew();
            pool.Run(job);
            best = Math.Max(best, bytes / sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private sealed class ReadJob : IParallelJob
    {
        public byte* Data;
        public long Length;
        public long Sink;

        public void Execute(int worker, int workerCount)
        {
            long chunk = Length / workerCount & ~255L;
            byte* start = Data + chunk * worker;
            long n = worker == workerCount - 1 ? Length - chunk * worker : chunk;
            var acc0 = Vector256<long>.Zero;
            var acc1 = Vector256<long>.Zero;
            long i = 0;
            for (; i + 256 <= n; i += 256)
            {
                // Four cache lines per iteration, two accumulators: enough loads in flight to saturate memory.
                acc0 += Vector256.Load((long*)(start + i)) + Vector256.Load((long*)(start + i + 64));
                acc1 += Vector256.Load((long*)(start + i + 128)) + Vector256.Load((long*)(start + i + 192));
                acc0 += Vector256.Load((long*)(start + i + 32)) + Vector256.Load((long*)(start + i + 96));
                acc1 += Vector256.Load((long*)(start + i + 160)) + Vector256.Load((long*)(start + i + 224));
            }
            Interlocked.Add(ref Sink, Vector256.Sum(acc0 + acc1));
        }
    }
}
