using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cinder.Engine.Benchmarking;
using Cinder.Kernels.Diagnostics;
using Cinder.Kernels.Threading;
using Cinder.Models;
using Spectre.Console;

namespace Cinder.Cli.Commands;

/// <summary>`cinder bench`: llama-bench's prompt-processing and generation tests, and generation as a share of memory bandwidth.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var models = new Option<FileInfo[]>("--model", "-m") { Description = "GGUF model file (repeatable)", Required = true, AllowMultipleArgumentsPerToken = false };
        var threads = new Option<string>("--threads", "-t") { Description = "thread counts, comma-separated (default: one per physical core)" };
        var prompt = new Option<string>("--n-prompt", "-p") { Description = "prompt lengths for pp tests, comma-separated; 0 skips", DefaultValueFactory = _ => "128" };
        var gen = new Option<string>("--n-gen", "-n") { Description = "generation lengths for tg tests, comma-separated; 0 skips", DefaultValueFactory = _ => "32" };
        var reps = new Option<int>("--repetitions", "-r") { Description = "runs per test", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "one JSON line per result instead of a table" };
        var command = new Command("bench", "Measure prompt processing and generation speed (tokens/s) like llama-bench, with memory bandwidth.") { models, threads, prompt, gen, reps, json };
        command.SetAction(parse =>
        {
            var threadCounts = ParseList(parse.GetValue(threads), "--threads", WorkerPool.DefaultThreadCount());
            var prompts = ParseList(parse.GetValue(prompt), "--n-prompt", 128).Where(x => x > 0).ToArray();
            var gens = ParseList(parse.GetValue(gen), "--n-gen", 32).Where(x => x > 0).ToArray();
            if (prompts.Length == 0 && gens.Length == 0) throw new UsageException("nothing to measure: --n-prompt and --n-gen are both 0");
            int repetitions = parse.GetValue(reps);
            if (repetitions < 1) throw new UsageException("--repetitions must be at least 1");
            if (threadCounts.Any(t => t < 1)) throw new UsageException("--threads must be positive");
            foreach (int t in threadCounts) ThreadCounts.Check(t);
            bool asJson = parse.GetValue(json);
            var rows = new List<(string Model, long Size, long Parameters, string Type, BenchResult Result, double? Bandwidth, double? Share)>();
            var bandwidths = new Dictionary<int, double>();
            foreach (var file in parse.GetValue(models)!)
            {
                using var model = ModelLoader.Load(CliPaths.ExistingFile(file, "model file"));
                long parameters = model.File.Tensors.Sum(t => t.ElementCount);
                long fileBytes = model.File.FileSize; // the file's own size: a symbolic link's FileInfo.Length is the link's
                string type = model.File.Metadata.TryGet("general.file_type", out var ft) && ft.IsInteger ? InspectCommand.FileTypeName(ft.AsInt64()) : "?";
                foreach (int t in threadCounts)
                {
                    int maxTokens = Math.Max(prompts.DefaultIfEmpty(0).Max(), gens.DefaultIfEmpty(0).Max());
                    using var bench = new ModelBenchmark(model, t, Math.Max(maxTokens, 16));
                    foreach (int p in prompts)
                    {
                        if (p > model.ContextLength) throw new UsageException($"pp{p} exceeds the model's context of {model.ContextLength}");
                        var r = bench.PromptProcessing(p, repetitions);
                        rows.Add((file.Name, fileBytes, parameters, type, r, null, null));
                        if (asJson) WriteJson(rows[^1]);
                        else Console.Error.WriteLine($"{file.Name} t={t} {r.Test}: {r.Mean:F2} ± {r.StdDev:F2} tok/s");
                    }
                    foreach (int n in gens)
                    {
                        if (n > model.ContextLength) throw new UsageException($"tg{n} exceeds the model's context of {model.ContextLength}");
                        var r = bench.Generation(n, repetitions);
                        if (!bandwidths.TryGetValue(t, out double bw))
                        {
                            using var pool = new WorkerPool(t);
                            bandwidths[t] = bw = MemoryBandwidth.MeasureAnonymous(pool);
                            // What transparent huge pages (asked for on weight memory) are worth here: the same read without them.
                            double small = MemoryBandwidth.MeasureAnonymous(pool, hugePages: false);
                            int gain = (int)Math.Round((bw / small - 1) * 100);
                            Console.Error.WriteLine($"memory read bandwidth, {t} thread{(t == 1 ? "" : "s")}: {bw / 1e9:F1} GB/s with transparent huge pages, {small / 1e9:F1} GB/s without ({(gain > 0 ? "+" : "")}{gain}%)");
                        }
                        double share = r.Mean * model.WeightBytesPerToken / bw;
                        rows.Add((file.Name, fileBytes, parameters, type, r, bw, share));
                        if (asJson) WriteJson(rows[^1]);
                        else Console.Error.WriteLine($"{file.Name} t={t} {r.Test}: {r.Mean:F2} ± {r.StdDev:F2} tok/s ({share:P0} of {bw / 1e9:F1} GB/s)");
                    }
                    long rss = ModelBenchmark.ResidentBytes();
                    long expected = fileBytes + bench.KvCacheBytes;
                    Console.Error.WriteLine($"resident memory: {InspectCommand.FormatBytes(rss)} = {(double)rss / expected:P0} of model file + KV cache ({InspectCommand.FormatBytes(fileBytes)} + {InspectCommand.FormatBytes(bench.KvCacheBytes)})");
                }
            }
            if (!asJson)
            {
                var table = new Table().Border(TableBorder.Markdown);
                foreach (var c in new[] { "model", "size", "params", "type", "threads", "test", "t/s", "of bandwidth" }) table.AddColumn(c);
                foreach (var row in rows)
                {
                    table.AddRow(Markup.Escape(row.Model), InspectCommand.FormatBytes(row.Size), $"{row.Parameters / 1e6:F1} M", row.Type,
                        row.Result.Threads.ToString(CultureInfo.InvariantCulture), row.Result.Test,
                        $"{row.Result.Mean:F2} ± {row.Result.StdDev:F2}",
                        row.Share is { } s ? $"{s:P0} of {row.Bandwidth!.Value / 1e9:F1} GB/s" : "");
                }
                ConsoleOutput.Stdout.Write(table);
            }
            return 0;
        });
        return command;
    }

    private static void WriteJson((string Model, long Size, long Parameters, string Type, BenchResult Result, double? Bandwidth, double? Share) row)
    {
        var line = new BenchLine(row.Model, row.Size, row.Parameters, row.Type, row.Result.Threads, row.Result.Test, row.Result.Tokens,
            row.Result.Mean, row.Result.StdDev, row.Result.TokensPerSecond.ToArray(), row.Bandwidth, row.Share);
        Console.Out.WriteLine(JsonSerializer.Serialize(line, CliJson.Readable.BenchLine));
    }

    private static int[] ParseList(string? text, string option, int fallback)
    {
        if (string.IsNullOrWhiteSpace(text)) return new[] { fallback };
        try
        {
            return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new UsageException($"{option} takes comma-separated integers, got '{text}'");
        }
    }

    /// <summary>One --json line.</summary>
    internal sealed record BenchLine(
        [property: System.Text.Json.Serialization.JsonPropertyName("model")] string Model,
        [property: System.Text.Json.Serialization.JsonPropertyName("model_bytes")] long ModelBytes,
        [property: System.Text.Json.Serialization.JsonPropertyName("parameters")] long Parameters,
        [property: System.Text.Json.Serialization.JsonPropertyName("file_type")] string FileType,
        [property: System.Text.Json.Serialization.JsonPropertyName("threads")] int Threads,
        [property: System.Text.Json.Serialization.JsonPropertyName("test")] string Test,
        [property: System.Text.Json.Serialization.JsonPropertyName("tokens")] int Tokens,
        [property: System.Text.Json.Serialization.JsonPropertyName("tokens_per_second")] double TokensPerSecond,
        [property: System.Text.Json.Serialization.JsonPropertyName("stddev")] double StdDev,
        [property: System.Text.Json.Serialization.JsonPropertyName("samples")] double[] Samples,
        [property: System.Text.Json.Serialization.JsonPropertyName("bandwidth_bytes_per_second")] double? Bandwidth,
        [property: System.Text.Json.Serialization.JsonPropertyName("bandwidth_share")] double? BandwidthShare);
}
