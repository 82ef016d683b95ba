using System.CommandLine;
using Cinder.Gguf;
using Cinder.Models.Quantization;
using Cinder.Models.Synthesis;

namespace Cinder.Cli.Commands;

/// <summary>`cinder synth --shape NAME --type TYPE --vocab VOCAB.gguf -o OUT [--seed N]`: a LLaMA model with random weights at a real shape.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var shape = new Option<string>("--shape") { Description = $"model shape: {string.Join(", ", ModelShape.All.Select(s => s.Name))}", Required = true };
        shape.AcceptOnlyFromAmong(ModelShape.All.Select(s => s.Name).ToArray());
        var typeNames = new[] { "f32" }.Concat(QuantizationTargets.All.Select(QuantizationTargets.Name)).ToArray();
        var type = new Option<string>("--type") { Description = $"weight type: {string.Join(", ", typeNames)} (mixed per tensor as cinder quantize does)", DefaultValueFactory = _ => "f32" };
        type.AcceptOnlyFromAmong(typeNames);
        var vocab = new Option<FileInfo>("--vocab") { Description = "GGUF file whose tokenizer metadata is copied (a model or a vocab-only file)", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "output GGUF file", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "random seed (same seed, same weights)", DefaultValueFactory = _ => 1 };
        var command = new Command("synth", "Write a LLaMA model with random weights at a real shape (for speed work).") { shape, type, vocab, output, seed };
        command.SetAction(parse =>
        {
            ModelShape.TryGet(parse.GetValue(shape)!, out var s);
            var vocabFile = parse.GetValue(vocab)!;
            using var v = GgufFile.Open(CliPaths.ExistingFile(vocabFile, "vocabulary file"));
            var typeName = parse.GetValue(type)!;
            QuantizationTarget? target = typeName == "f32" ? null : QuantizationTargets.Parse(typeName);
            var outPath = CliPaths.NewFile(parse.GetValue(output)!, "output file");
            int vocabSize = v.Metadata.GetArray<string>("tokenizer.ggml.tokens").Length;
            Console.Error.WriteLine($"synth: {s.Name} (dim {s.Dim}, {s.Layers} layers, {s.Heads} heads, {s.KvHeads} KV heads, ffn {s.Ffn}), vocab {vocabSize}, {s.ParameterCount(vocabSize):N0} parameters, {typeName}");
            Progress.Run("synth", report => ModelSynthesizer.Write(outPath, s, v.Metadata, parse.GetValue(seed), target, report));
            Console.Error.WriteLine($"wrote {outPath} ({InspectCommand.FormatBytes(new FileInfo(outPath).Length)})");
            return 0;
        });
        return command;
    }
}
