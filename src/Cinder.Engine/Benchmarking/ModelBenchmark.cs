using System.Diagnostics;
using Cinder.Kernels.Threading;
using Cinder.Models;

namespace Cinder.Engine.Benchmarking;

/// <summary>
/// llama-bench's two tests on a loaded model: prompt processing (pp: N tokens in batches, tokens per second
/// of the whole prompt) and text generation (tg: N tokens one at a time from an empty context). Token ids
/// are drawn at random (seeded), so results do not depend on a tokenizer.
/// </summary>
public sealed class ModelBenchmark : IDisposable
{
    private readonly LanguageModel _model;
    private readonly WorkerPool _pool;
    private readonly IForwardWorkspace _workspace;
    private readonly ForwardBatch _batch;
    private readonly KvCache _cache;
    private readonly Random _random = new(42);

    public ModelBenchmark(LanguageModel model, int threads, int maxTokens, int batchSize = 512)
    {
        _model = model;
        _pool = new WorkerPool(threads);
        _workspace = model.CreateWorkspace(batchSize, _pool);
        _batch = new ForwardBatch(batchSize);
        _cache = model.CreateKvCache(Math.Min(maxTokens, model.ContextLength));
    }

    public int Threads => _pool.Threads;

    /// <summary>Bytes of the KV cache this benchmark allocated.</summary>
    public long KvCacheBytes => _cache.Bytes;

    /// <summary>Resident memory of this process (VmRSS on Linux; the working set elsewhere).</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    /// <summary>Tokens per second processing a prompt of <paramref name="tokens"/> tokens, once per repetition (after one warm-up).</summary>
    public BenchResult PromptProcessing(int tokens, int repetitions)
    {
        RunPrompt(tokens); // one full warm-up run, as llama-bench does: JIT tiers, first touches of weights and cache
        var runs = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            var seconds = RunPrompt(tokens);
            runs.Add(tokens / seconds);
        }
        return new BenchResult(Threads, $"pp{tokens}", tokens, runs);
    }

    /// <summary>Tokens per second generating <paramref name="tokens"/> tokens one by one from an empty context.</summary>
    public BenchResult Generation(int tokens, int repetitions)
    {
        RunGeneration(tokens);
        var runs = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            var seconds = RunGeneration(tokens);
            runs.Add(tokens / seconds);
        }
        return new BenchResult(Threads, $"tg{tokens}", tokens, runs);
    }

    private double RunPrompt(int tokens)
    {
        var sequence = new KvSequence(_cache, _model.ContextLength);
        try
        {
            var sw = Stopwatch.StartNew();
            for (int start = 0; start < tokens; start += _batch.Capacity)
            {
                _batch.Clear();
                int end = Math.Min(tokens, start + _batch.Capacity);
                for (int i = start; i < end; i++) _batch.Add(_random.Next(_model.VocabSize), i, sequence, i == tokens - 1);
                _workspace.Forward(_batch);
            }
            return sw.Elapsed.TotalSeconds;
        }
        finally
        {
            sequence.Release();
        }
    }

    private double RunGeneration(int tokens)
    {
        var sequence = new KvSequence(_cache, _model.ContextLength);
        try
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < tokens; i++)
            {
                _batch.Clear();
                _batch.Add(_random.Next(_model.VocabSize), i, sequence, true);
                _workspace.Forward(_batch);
            }
            return sw.Elapsed.TotalSeconds;
        }
        finally
        {
            sequence.Release();
        }
    }

    public void Dispose()
    {
        _workspace.Dispose();
        _cache.Dispose();
        _pool.Dispose();
    }
}
