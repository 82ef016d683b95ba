using System.Text;
using System.Text.Json;

namespace Cinder.Cli.Tests;

/// <summary>What one `cinder` process did: its exit code, its stdout (bytes, as written) and its stderr.</summary>
public sealed record CliResult(string[] Args, int ExitCode, byte[] StdoutBytes, string Stderr, TimeSpan Elapsed)
{
    public string Stdout { get; } = new UTF8Encoding(false).GetString(StdoutBytes);

    /// <summary>stdout split at '\n', without the empty piece after a final newline.</summary>
    public string[] StdoutLines => Lines(Stdout);

    /// <summary>The non-empty lines of stderr.</summary>
    public string[] StderrLines => Lines(Stderr).Where(l => l.Trim().Length > 0).ToArray();

    /// <summary>The last line of stdout parsed as JSON.</summary>
    public JsonElement LastJsonLine()
    {
        var lines = StdoutLines;
        Assert.True(lines.Length > 0, $"no output on stdout\n{Describe()}");
        using var doc = JsonDocument.Parse(lines[^1]);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts exit code 0 and no stack trace; returns this for chaining.</summary>
    public CliResult AssertSuccess()
    {
        Assert.True(ExitCode == 0, $"expected exit code 0\n{Describe()}");
        AssertNoStackTrace();
        return this;
    }

    /// <summary>
    /// Asserts what a user gets for bad input: exit code 1, nothing on stdout, and on stderr exactly one line,
    /// "error: ...", without a stack trace. Returns the line.
    /// </summary>
    public string AssertOneLineError()
    {
        Assert.True(ExitCode == 1, $"expected exit code 1 (bad input)\n{Describe()}");
        AssertNoStackTrace();
        var lines = Stderr.Replace("\r\n", "\n").Split('\n');
        Assert.True(lines.Length == 2 && lines[1].Length == 0, $"expected exactly one line on stderr\n{Describe()}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.True(StdoutBytes.Length == 0, $"expected nothing on stdout\n{Describe()}");
        return lines[0];
    }

    public void AssertNoStackTrace()
    {
        Assert.False(Stderr.Contains("   at ", StringComparison.Ordinal), $"a stack trace reached the user\n{Describe()}");
        Assert.False(Stderr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase), $"an unhandled exception reached the user\n{Describe()}");
        Assert.False(Stderr.Contains("internal error", StringComparison.Ordinal), $"bad input was reported as Cinder's fault\n{Describe()}");
    }

    public string Describe()
    {
        string shown = Stdout.Length > 3000 ? Stdout[..3000] + $"... ({Stdout.Length} characters)" : Stdout;
        return $"$ cinder {string.Join(' ', Args.Select(Quote))}\nexit code {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stderr ---\n{Stderr}\n--- stdout ---\n{shown}";
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=,:".Contains(c)) ? arg : JsonSerializer.Serialize(arg);

    private static string[] Lines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
