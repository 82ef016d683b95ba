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
        long thread = GC.GetAllocatedBytesForCurrentThread();
        long total = GC.GetTotalAllocatedBytes(precise: true);
        for (int pos = 8; pos < 72; pos++) Step(pos);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
        // Other threads (the worker pool, but also the test host) are counted too: allow only noise far below one buffer.
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - total < 4096, $"{GC.GetTotalAllocatedBytes(precise: true) - total} bytes allocated in 64 decode steps");
    }
}
