using System.Text.RegularExpressions;

namespace Cinder.Cli.Tests;

/// <summary>"`cinder --help` lists every command with a one-line description, and each command has `--help`."</summary>
public class HelpTests
{
    /// <summary>The commands the issues define; `cinder --help` may list more, each of which must also have help.</summary>
    public static readonly string[] Commands = ["run", "logits", "tokenize", "bench", "inspect", "quantize", "synth", "loadtest"];

    /// <summary>The options each command's contract names (long and short forms).</summary>
    public static TheoryData<string, string[]> ContractOptions => new()
    {
        { "run", ["-m", "--model", "-p", "--prompt", "-n", "--n-predict", "--temp", "--top-k", "--top-p", "--min-p", "--seed", "--ignore-eos", "-t", "--threads", "--json"] },
        { "logits", ["-m", "--model", "-p", "--prompt"] },
        { "tokenize", ["-m", "--model", "-p", "--prompt", "-f", "--file", "--ids", "--no-bos", "--no-parse-special"] },
        { "bench", ["-m", "--model", "-t", "--threads", "-p", "--n-prompt", "-n", "--n-gen", "-r", "--repetitions", "--json"] },
        { "inspect", ["<MODEL>", "--json"] },
        { "quantize", ["<INPUT>", "<OUTPUT>", "f16", "bf16", "q8_0", "q4_0", "q4_k_m", "q6_k"] },
        { "synth", ["--shape", "--type", "--vocab", "-o", "--output", "--seed", "llama160m", "tiny"] },
        { "loadtest", ["--url", "--tenant", "--rate", "--json"] },
    };

    [Fact]
    public void RootHelpListsEveryCommandWithAOneLineDescription()
    {
        var r = CinderProcess.Run("--help").AssertSuccess();
        var listed = ListedCommands(r.Stdout);
        foreach (var command in Commands) Assert.True(listed.ContainsKey(command), $"'{command}' is not listed\n{r.Stdout}");
        foreach (var (command, description) in listed)
            Assert.True(description.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4, $"'{command}' has no real description: '{description}'");
        Assert.Empty(r.StderrLines);
    }

    [Fact]
    public void EveryListedCommandHasHelp()
    {
        var listed = ListedCommands(HelpText.For(""));
        foreach (var (command, description) in listed)
        {
            foreach (var flag in new[] { "--help", "-h" })
            {
                var r = CinderProcess.Run(command, flag).AssertSuccess();
                Assert.Contains($"cinder {command}", r.Stdout);
                Assert.Contains("Usage:", r.Stdout);
                Assert.Contains(description, r.Stdout); // the same description heads the command's own help
                Assert.Empty(r.StderrLines);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ContractOptions))]
    public void EachCommandsHelpShowsItsContractOptions(string command, string[] options)
    {
        var help = HelpText.For(command);
        foreach (var option in options)
            Assert.True(Regex.IsMatch(help, $@"(^|[\s,|<]){Regex.Escape(option)}([\s,|>]|$)", RegexOptions.Multiline), $"'cinder {command} --help' does not show {option}\n{help}");
    }

    [Fact]
    public void BareCinderSaysACommandIsNeededAndShowsHelp()
    {
        var r = CinderProcess.Run();
        Assert.Equal(1, r.ExitCode);
        r.AssertNoStackTrace();
        Assert.Contains("Required command was not provided", r.Stderr);
        Assert.Contains("Commands:", r.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--bogus")]
    public void AnUnknownCommandIsOneLine(string arg)
    {
        var line = CinderProcess.Run(arg).AssertOneLineError();
        Assert.Contains(arg, line);
        Assert.Contains("cinder --help", line);
    }

    /// <summary>The "Commands:" section of a help text: name (without its arguments) to description.</summary>
    internal static Dictionary<string, string> ListedCommands(string help)
    {
        int start = help.IndexOf("Commands:", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no Commands: section\n{help}");
        var result = new Dictionary<string, string>();
        foreach (var line in help[start..].Split('\n').Skip(1))
        {
            if (line.Trim().Length == 0) break;
            var m = Regex.Match(line, @"^  (\S+)(?: <[^>]+>)*\s{2,}(\S.*)$");
            Assert.True(m.Success, $"unexpected line in the Commands: section: '{line}'");
            result[m.Groups[1].Value] = m.Groups[2].Value.Trim();
        }
        return result;
    }
}
