using System.Globalization;
using Cinder.Bench.Compare;
using Cinder.Engine.Benchmarking;
using Cinder.Models;
using LLama.Native;

// Side-by-side speed comparison: Cinder and llama.cpp (LLamaSharp) on the same GGUF files, same thread counts,
// alternating run by run so both see the same machine state; prints the ratio of medians per model and test.
//
//   dotnet run -c Release --project bench/Cinder.Bench.Compare -- -m a.gguf -m b.gguf [-t 1,2] [-p 128,512] [-n 32] [-r 5] [--json]
// Errors end in one line on stderr (CINDER_DEBUG=1 adds the stack trace), as the cinder command's do.
try
{
    var models = new List<string>();
    int[] threads = { 2 }, prompts = { 128 }, gens = { 32 };
    int rounds = 5;
    bool json = false;
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int[] List(string s) => s.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        switch (args[i])
        {
            case "-m": models.Add(Next()); break;
            case "-t": threads = List(Next()); break;
            case "-p": prompts = List(Next()).Where(x => x > 0).ToArray(); break;
            case "-n": gens = List(Next()).Where(x => x > 0).ToArray(); break;
            case "-r": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--json": json = true; break;
            default: throw new ArgumentException($"unknown argument {args[i]}; usage: -m MODEL... [-t 1,2] [-p 128] [-n 32] [-r 5] [--json]");
        }
    }
    if (models.Count == 0) throw new ArgumentException("give at least one model with -m");

    NativeLibraryConfig.All.WithLogCallback((_, _) => { });
    NativeApi.llama_empty_call();
    var results = new List<(string Model, int Threads, string Test, double Cinder, double Llama)>();
    foreach (var path in models)
    {
        using var model = ModelLoader.Load(path);
        foreach (int t in threads)
        {
            int maxTokens = Math.Max(prompts.DefaultIfEmpty(0).Max(), gens.DefaultIfEmpty(0).Max());
            using var cinder = new ModelBenchmark(model, t, maxTokens);
            using var llama = new LlamaCppBench(path, t, maxTokens);
            foreach (var (test, n, isPrompt) in prompts.Select(p => ($"pp{p}", p, true)).Concat(gens.Select(g => ($"tg{g}", g, false))))
            {
                // Warm both up once, then alternate.
                var c0 = isPrompt ? cinder.PromptProcessing(Math.Min(n, 16), 1) : cinder.Generation(Math.Min(n, 4), 1);
                _ = isPrompt ? llama.PromptSeconds(Math.Min(n, 16)) : llama.GenerationSeconds(Math.Min(n, 4));
                var cs = new List<double>();
                var ls = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    cs.Add((isPrompt ? cinder.PromptProcessing(n, 1) : cinder.Generation(n, 1)).TokensPerSecond[0]);
                    ls.Add(n / (isPrompt ? llama.PromptSeconds(n) : llama.GenerationSeconds(n)));
                }
                double cm = Median(cs), lm = Median(ls);
                results.Add((Path.GetFileName(path), t, test, cm, lm));
                if (json)
                    Console.WriteLine($"{{\"model\":\"{Path.GetFileName(path)}\",\"threads\":{t},\"test\":\"{test}\",\"cinder_tokens_per_second\":{cm.ToString("F2", CultureInfo.InvariantCulture)},\"llamacpp_tokens_per_second\":{lm.ToString("F2", CultureInfo.InvariantCulture)},\"ratio\":{(cm / lm).ToString("F3", CultureInfo.InvariantCulture)},\"cinder_samples\":[{string.Join(",", cs.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}],\"llamacpp_samples\":[{string.Join(",", ls.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}]}}");
                else
                    Console.Error.WriteLine($"{Path.GetFileName(path)} t={t} {test}: cinder {cm:F2} tok/s, llama.cpp {lm:F2} tok/s, ratio {cm / lm:F2}x  (cinder [{string.Join(", ", cs.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}], llama.cpp [{string.Join(", ", ls.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}])");
            }
        }
    }
    if (!json)
    {
        Console.WriteLine($"| model | threads | test | Cinder tok/s | llama.cpp tok/s | ratio |");
        Console.WriteLine($"|---|---|---|---|---|---|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Model} | {r.Threads} | {r.Test} | {r.Cinder:F2} | {r.Llama:F2} | {r.Cinder / r.Llama:F2}x |");
    }
    return 0;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    if (Environment.GetEnvironmentVariable("CINDER_DEBUG") == "1") Console.Error.WriteLine(e);
    return 1;
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
