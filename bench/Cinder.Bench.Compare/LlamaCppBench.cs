using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Cinder.Bench.Compare;

/// <summary>llama-bench's pp and tg tests run through LLamaSharp on the same file, in this process.</summary>
internal sealed class LlamaCppBench : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly Random _random = new(42);
    private readonly int _vocab;

    public LlamaCppBench(string path, int threads, int maxTokens)
    {
        var p = new ModelParams(path)
        {
            ContextSize = (uint)Math.Max(maxTokens, 64),
            BatchSize = 512,
            UBatchSize = 512,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        _weights = LLamaWeights.LoadFromFile(p);
        _context = _weights.CreateContext(p);
        _vocab = _weights.Vocab.Count;
    }

    public double PromptSeconds(int tokens)
    {
        _context.NativeHandle.MemoryClear();
        var batch = new LLamaBatch();
        var sw = Stopwatch.StartNew();
        for (int start = 0; start < tokens; start += 512)
        {
            batch.Clear();
            int end = Math.Min(tokens, start + 512);
            for (int i = start; i < end; i++) batch.Add((LLamaToken)_random.Next(_vocab), i, (LLamaSeqId)0, i == tokens - 1);
            Check(_context.NativeHandle.Decode(batch));
        }
        _context.NativeHandle.Synchronize();
        return sw.Elapsed.TotalSeconds;
    }

    public double GenerationSeconds(int tokens)
    {
        _context.NativeHandle.MemoryClear();
        var batch = new LLamaBatch();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < tokens; i++)
        {
            batch.Clear();
            batch.Add((LLamaToken)_random.Next(_vocab), i, (LLamaSeqId)0, true);
            Check(_context.NativeHandle.Decode(batch));
        }
        _context.NativeHandle.Synchronize();
        return sw.Elapsed.TotalSeconds;
    }

    private static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode: {r}");
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
