using System.Runtime.ExceptionServices;

namespace Cinder.Kernels.Threading;

/// <summary>
/// One persistent pool of threads for the whole model: the caller is worker 0, the others wait for work by
/// spinning briefly (steps follow each other within microseconds during a forward pass) and then sleeping.
/// Running a job allocates nothing. One job at a time: <see cref="Run"/> is not reentrant.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 µs

    private readonly Thread[] _threads;
    private readonly object _sleepLock = new();
    private IParallelJob? _job;
    private long _generation;
    private int _pending;
    private int _sleepers;
    private volatile bool _disposed;
    private ExceptionDispatchInfo? _failure;

    /// <param name="threads">Workers including the caller; 0 means one per physical core.</param>
    public WorkerPool(int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), "thread count must be positive");
        Threads = threads == 0 ? DefaultThreadCount() : threads;
        _threads = new Thread[Threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"cinder-worker-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Workers, the calling thread included.</summary>
    public int Threads { get; }

    /// <summary>
    /// One thread per physical core. .NET reports logical processors; with SMT two logical processors share a
    /// core's vector units, so matrix kernels gain nothing from the second one. Linux tells us the siblings.
    /// </summary>
    public static int DefaultThreadCount()
    {
        int logical = Environment.ProcessorCount;
        try
        {
            const string siblings = "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list";
            if (File.Exists(siblings))
            {
                var text = File.ReadAllText(siblings).Trim();
                int perCore = text.Split(',').Sum(part => part.Contains('-') ? int.Parse(part.Split('-')[1]) - int.Parse(part.Split('-')[0]) + 1 : 1);
                if (perCore > 1) return Math.Max(1, logical / perCore);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // Fall through: no topology information.
        }
        return Math.Max(1, logical);
    }

    /// <summary>Runs <paramref name="job"/> on every worker and returns when all are done; rethrows a worker's exception.</summary>
    public void Run(IParallelJob job)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Threads == 1)
        {
            job.Execute(0, 1);
            return;
        }
        _job = job;
        Volatile.Write(ref _pending, Threads - 1);
        Interlocked.Increment(ref _generation); // full fence: publishes the job before workers see the new generation
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_sleepLock) Monitor.PulseAll(_sleepLock);
        }
        try
        {
            job.Execute(0, Threads);
        }
        catch (Exception e)
        {
            _failure ??= ExceptionDispatchInfo.Capture(e);
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _job = null;
        if (_failure is { } failure)
        {
            _failure = null;
            failure.Throw();
        }
    }

    /// <summary>Bytes allocated so far by the pool's own threads (not the caller's): a probe for allocation-free steps.</summary>
    public long AllocatedBytesOnWorkers()
    {
        var probe = new AllocationProbe(Threads);
        Run(probe);
        long total = 0;
        for (int i = 1; i < Threads; i++) total += probe.Bytes[i];
        return total;
    }

    private sealed class AllocationProbe(int threads) : IParallelJob
    {
        public long[] Bytes { get; } = new long[threads];

        public void Execute(int worker, int workerCount) => Bytes[worker] = GC.GetAllocatedBytesForCurrentThread();
    }

    private void WorkerLoop(int worker)
    {
        long seen = 0;
        while (true)
        {
            long generation = WaitForWork(seen);
            if (_disposed) return;
            seen = generation;
            try
            {
                _job!.Execute(worker, Threads);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    private long WaitForWork(long seen)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
        {
            long g = Volatile.Read(ref _generation);
            if (g != seen || _disposed) return g;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        lock (_sleepLock)
        {
            Interlocked.Increment(ref _sleepers); // full fence: either Run sees a sleeper, or we see its generation
            try
            {
                long g;
                while ((g = Volatile.Read(ref _generation)) == seen && !_disposed) Monitor.Wait(_sleepLock);
                return g;
            }
            finally
            {
                Interlocked.Decrement(ref _sleepers);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_sleepLock) Monitor.PulseAll(_sleepLock);
        foreach (var t in _threads) t.Join();
    }
}
