using Cinder.Kernels.Threading;
using Cinder.TestSupport;

namespace Cinder.Models.Tests;

public class AllocationTests
{
    [Fact]
    public void DecodeStepsAllocateNothingOnAnyThread()
    {
        using var model = ModelLoader.Load(SharedData.Stories260K);
        using var pool = new WorkerPool(2);
        using var cache = model.CreateKvCache(model.ContextLength);
        using var ws = model.CreateWorkspace(8, pool);
        var seq = new KvSequence(cache, model.ContextLength);
        var batch = new ForwardBatch(8);
        int token = 1;
        void Step(int pos)
        {
            batch.Clear();
            batch.Add(token, pos, seq, true);
            var logits = ws.Forward(batch);
            token = LlamaCpp.ArgMax(logits);
        }
        for (int pos = 0; pos < 8; pos++) Step(pos); // warm up: JIT, first block allocations
        long workers = pool.AllocatedBytesOnWorkers();
        long thread = GC.GetAllocatedBytesForCurrentThread();
        for (int pos = 8; pos < 72; pos++) Step(pos);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
        // The probe itself allocates on the calling thread only; the workers' counters must not move.
        Assert.Equal(workers, pool.AllocatedBytesOnWorkers());
    }
}
