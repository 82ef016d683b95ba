namespace Cinder.Kernels.Threading;

/// <summary>
/// Work split across the pool: every worker calls <see cref="Execute"/> once with its index and takes its own
/// share (usually a range of rows). Jobs are reusable objects so that running one allocates nothing.
/// </summary>
public interface IParallelJob
{
    void Execute(int worker, int workerCount);
}
