using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cinder.Core;
using Cinder.Gguf;
using Spectre.Console;

namespace Cinder.Cli.Commands;

/// <summary>`cinder inspect MODEL [--json]`: architecture, hyper-parameters, tokenizer and a table of tensors.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "GGUF model file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of tables" };
        var command = new Command("inspect", "Show a GGUF model's architecture, hyper-parameters, tokenizer and tensors.") { model, json };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo path, bool json)
    {
        using var file = GgufFile.Open(CliPaths.ExistingFile(path, "model file"));
        var summary = ModelSummary.From(file);
        if (json) WriteJson(summary, file);
        else WriteTables(summary, file);
        return 0;
    }

    private static void WriteTables(ModelSummary s, GgufFile file)
    {
        var console = ConsoleOutput.Stdout;
        var overview = new Table().AddColumn("property").AddColumn("value").HideHeaders().Border(TableBorder.Rounded);
        overview.Title("[bold]model[/]");
        overview.AddRow("file", Markup.Escape(s.Path));
        overview.AddRow("GGUF version", s.Version.ToString(CultureInfo.InvariantCulture));
        overview.AddRow("size", $"{s.FileSize:N0} bytes ({FormatBytes(s.FileSize)})");
        overview.AddRow("architecture", Markup.Escape(s.Architecture ?? "(none)"));
        if (s.Name is not null) overview.AddRow("name", Markup.Escape(s.Name));
        if (s.FileType is not null) overview.AddRow("file type", Markup.Escape(s.FileType));
        overview.AddRow("parameters", $"{s.ParameterCount:N0}");
        overview.AddRow("tensors", s.TensorCount.ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in s.HyperParameters) overview.AddRow(Markup.Escape(key), Markup.Escape(value.ToDisplayString()));
        overview.AddRow("tokenizer", Markup.Escape($"{s.TokenizerModel ?? "(none)"}{(s.TokenizerPre is null ? "" : $" (pre: {s.TokenizerPre})")}"));
        overview.AddRow("vocab size", s.VocabSize.ToString(CultureInfo.InvariantCulture));
        overview.AddRow("chat template", s.HasChatTemplate ? "yes" : "no");
        console.Write(overview);

        var tensors = new Table().Border(TableBorder.Rounded).Title($"[bold]{s.TensorCount} tensors[/]");
        tensors.AddColumn("name").AddColumn("type").AddColumn("shape").AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var t in file.Tensors)
            tensors.AddRow(Markup.Escape(t.Name), t.Type.ToString(), Markup.Escape("[" + string.Join(", ", t.Shape) + "]"), t.ByteSize.ToString("N0", CultureInfo.InvariantCulture));
        console.Write(tensors);

        var types = file.Tensors.GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ByteSize));
        console.WriteLine("by type: " + string.Join(", ", types.Select(g => $"{g.Key} {g.Count()} tensors {FormatBytes(g.Sum(t => t.ByteSize))}")));
    }

    private static void WriteJson(ModelSummary s, GgufFile file)
    {
        using var stream = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("path", s.Path);
            w.WriteNumber("version", s.Version);
            w.WriteNumber("file_size", s.FileSize);
            w.WriteString("architecture", s.Architecture);
            w.WriteString("name", s.Name);
            w.WriteString("file_type", s.FileType);
            w.WriteNumber("parameter_count", s.ParameterCount);
            w.WriteNumber("tensor_count", s.TensorCount);
            w.WriteStartObject("hyperparameters");
            foreach (var (key, value) in s.HyperParameters)
            {
                w.WritePropertyName(key);
                WriteValue(w, value);
            }
            w.WriteEndObject();
            w.WriteStartObject("tokenizer");
            w.WriteString("model", s.TokenizerModel);
            w.WriteString("pre", s.TokenizerPre);
            w.WriteNumber("vocab_size", s.VocabSize);
            w.WriteBoolean("chat_template", s.HasChatTemplate);
            w.WriteEndObject();
            w.WriteStartObject("metadata");
            foreach (var (key, value) in file.Metadata.Entries)
            {
                w.WritePropertyName(key);
                WriteValue(w, value);
            }
            w.WriteEndObject();
            w.WriteStartArray("tensors");
            foreach (var t in file.Tensors)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                w.WriteString("type", t.Type.ToString());
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteNumber("bytes", t.ByteSize);
                w.WriteNumber("offset", t.DataOffset);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Scalars as JSON values; arrays of up to 64 items in full, longer ones summarised by type and count.</summary>
    private static void WriteValue(Utf8JsonWriter w, GgufValue v)
    {
        if (v.Type == GgufValueType.Array && v.Count > 64)
        {
            w.WriteStartObject();
            w.WriteString("type", v.Describe());
            w.WriteNumber("count", v.Count);
            w.WriteEndObject();
            return;
        }
        switch (v.Raw)
        {
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case float f when float.IsFinite(f): w.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case float or double: w.WriteStringValue(Convert.ToString(v.Raw, CultureInfo.InvariantCulture)); break;
            case ulong u: w.WriteNumberValue(u); break;
            case GgufValue[] arrays:
                w.WriteStartArray();
                foreach (var a in arrays) WriteValue(w, a);
                w.WriteEndArray();
                break;
            case Array array:
                w.WriteStartArray();
                foreach (var item in array)
                {
                    switch (item)
                    {
                        case string s: w.WriteStringValue(s); break;
                        case bool b: w.WriteBooleanValue(b); break;
                        case float f when float.IsFinite(f): w.WriteNumberValue(f); break;
                        case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
                        case ulong u: w.WriteNumberValue(u); break;
                        case IConvertible c and not float and not double: w.WriteNumberValue(c.ToInt64(CultureInfo.InvariantCulture)); break;
                        default: w.WriteStringValue(Convert.ToString(item, CultureInfo.InvariantCulture)); break;
                    }
                }
                w.WriteEndArray();
                break;
            default: w.WriteNumberValue(v.AsInt64()); break;
        }
    }

    /// <summary>llama.cpp's llama_ftype names.</summary>
    internal static string FileTypeName(long ftype) => ftype switch
    {
        0 => "ALL_F32",
        1 => "MOSTLY_F16",
        2 => "MOSTLY_Q4_0",
        3 => "MOSTLY_Q4_1",
        7 => "MOSTLY_Q8_0",
        8 => "MOSTLY_Q5_0",
        9 => "MOSTLY_Q5_1",
        10 => "MOSTLY_Q2_K",
        11 => "MOSTLY_Q3_K_S",
        12 => "MOSTLY_Q3_K_M",
        13 => "MOSTLY_Q3_K_L",
        14 => "MOSTLY_Q4_K_S",
        15 => "MOSTLY_Q4_K_M",
        16 => "MOSTLY_Q5_K_S",
        17 => "MOSTLY_Q5_K_M",
        18 => "MOSTLY_Q6_K",
        32 => "MOSTLY_BF16",
        _ => $"#{ftype}",
    };

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F2} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F1} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>What inspect reports, gathered once for both outputs.</summary>
    private sealed record ModelSummary(
        string Path, uint Version, long FileSize, string? Architecture, string? Name, string? FileType,
        long ParameterCount, int TensorCount, IReadOnlyList<KeyValuePair<string, GgufValue>> HyperParameters,
        string? TokenizerModel, string? TokenizerPre, int VocabSize, bool HasChatTemplate)
    {
        public static ModelSummary From(GgufFile f)
        {
            var m = f.Metadata;
            string? arch = m.TryGet("general.architecture", out var a) && a.Type == GgufValueType.String ? a.AsString() : null;
            var hyper = arch is null ? new List<KeyValuePair<string, GgufValue>>() : m.Entries.Where(e => e.Key.StartsWith(arch + ".", StringComparison.Ordinal)).ToList();
            int vocab = m.TryGet("tokenizer.ggml.tokens", out var tokens) ? tokens.Count : 0;
            string? fileType = m.TryGet("general.file_type", out var ft) && ft.IsInteger ? InspectCommand.FileTypeName(ft.AsInt64()) : null;
            return new ModelSummary(
                f.Path ?? "", f.Version, f.FileSize, arch, Str(m, "general.name"), fileType,
                f.Tensors.Sum(t => t.ElementCount), f.Tensors.Count, hyper,
                Str(m, "tokenizer.ggml.model"), Str(m, "tokenizer.ggml.pre"), vocab, m.Contains("tokenizer.chat_template"));
        }

        private static string? Str(GgufMetadata m, string key) => m.TryGet(key, out var v) && v.Type == GgufValueType.String ? v.AsString() : null;
    }
}
