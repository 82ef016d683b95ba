using System.Text.Json.Serialization;
using Cinder.Cli.Commands;

namespace Cinder.Cli;

/// <summary>Source-generated JSON for the command outputs (no reflection; the trimmed single-file build keeps working).</summary>
[JsonSerializable(typeof(RunCommand.RunResult))]
[JsonSerializable(typeof(LogitsCommand.LogitsResult))]
[JsonSerializable(typeof(BenchCommand.BenchLine))]
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>Readable output: non-ASCII text and quotes are written as they are, not as \u escapes.</summary>
    public static CliJson Readable { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    });
}
