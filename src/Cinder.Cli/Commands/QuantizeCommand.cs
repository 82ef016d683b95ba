using System.CommandLine;
using Cinder.Models.Quantization;

namespace Cinder.Cli.Commands;

/// <summary>`cinder quantize INPUT OUTPUT TYPE`: every 2-D weight quantized as llama-quantize would, metadata copied.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var names = QuantizationTargets.All.Select(QuantizationTargets.Name).ToArray();
        var input = new Argument<FileInfo>("INPUT") { Description = "GGUF model to read (F32, F16 or BF16 weights, or already quantized)" };
        var output = new Argument<FileInfo>("OUTPUT") { Description = "GGUF file to write" };
        var type = new Argument<string>("TYPE") { Description = $"target: {string.Join(", ", names)}" };
        type.AcceptOnlyFromAmong(names);
        var threads = new Option<int>("--threads", "-t") { Description = "threads (default 0: one per logical processor)", DefaultValueFactory = _ => 0 };
        var command = new Command("quantize", "Quantize a GGUF model's weights (f16, bf16, q8_0, q4_0, q4_k_m, q6_k).") { input, output, type, threads };
        command.SetAction(parse =>
        {
            var inPath = CliPaths.ExistingFile(parse.GetValue(input)!, "model file");
            var outPath = CliPaths.NewFile(parse.GetValue(output)!, "output file");
            if (string.Equals(inPath, outPath, StringComparison.Ordinal)) throw new UsageException($"OUTPUT must be a new file, not the input {inPath}");
            var target = QuantizationTargets.Parse(parse.GetValue(type)!);
            int threadCount = ThreadCounts.Check(parse.GetValue(threads)) is var t and > 0 ? t : Environment.ProcessorCount;
            QuantizationResult? result = null;
            Progress.Run("quantize", report =>
            {
                result = ModelQuantizer.Quantize(inPath, outPath, target, new QuantizationOptions
                {
                    Threads = threadCount,
                    Warning = message => Console.Error.WriteLine($"warning: {message}"),
                    Progress = p => report(p.TensorIndex, p.TensorCount, $"{p.TensorName} {p.SourceType} -> {p.TargetType}"),
                });
            });
            var r = result!;
            var types = r.Plan.Tensors.GroupBy(t => t.TargetType).Select(g => $"{g.Count()} {g.Key}");
            Console.Error.WriteLine($"wrote {outPath}: {InspectCommand.FormatBytes(r.InputBytes)} -> {InspectCommand.FormatBytes(r.OutputBytes)} ({string.Join(", ", types)})");
            return 0;
        });
        return command;
    }
}
