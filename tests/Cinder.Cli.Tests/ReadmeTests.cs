using System.Text.RegularExpressions;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// The README tells the truth about the command line: every `cinder ...` line in its code blocks names a command
/// that exists and only options that command's --help shows. (Each example was also run by hand from the
/// repository root when written; the examples that need a server or write large files are not run here.)
/// </summary>
public class ReadmeTests
{
    [Fact]
    public void EveryCommandLineInTheReadmeUsesRealCommandsAndOptions()
    {
        var lines = CommandLines(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "README.md")));
        Assert.True(lines.Count >= 10, $"expected a usage line and an example per command, found {lines.Count}");
        var commands = HelpTests.ListedCommands(HelpText.For(""));
        var problems = new List<string>();
        foreach (var line in lines)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string command = words[1];
            if (!commands.ContainsKey(command))
            {
                problems.Add($"'{line}': no command '{command}'");
                continue;
            }
            string help = HelpText.For(command);
            foreach (var option in Options(words.Skip(2)))
            {
                if (!Regex.IsMatch(help, $@"(^|[\s,]){Regex.Escape(option)}([\s,]|$)", RegexOptions.Multiline))
                    problems.Add($"'{line}': 'cinder {command} --help' has no {option}");
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>Lines of fenced code blocks that start with `cinder `, continuation lines joined, quoted text removed.</summary>
    internal static List<string> CommandLines(string markdown)
    {
        var result = new List<string>();
        bool inCode = false;
        string pending = "";
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }
            if (!inCode) continue;
            line = pending + line.Trim();
            pending = "";
            if (line.EndsWith('\\'))
            {
                pending = line[..^1] + " ";
                continue;
            }
            if (line.StartsWith("cinder ", StringComparison.Ordinal))
                result.Add(Regex.Replace(Regex.Replace(line, "\"[^\"]*\"|'[^']*'", "TEXT"), @"\s+#.*$|\s+[<>|]\s.*$", ""));
        }
        return result;
    }

    /// <summary>The option names among the words of a usage line or example ("[--seed N]", "--shape a|b").</summary>
    private static IEnumerable<string> Options(IEnumerable<string> words) =>
        words.SelectMany(w => w.Split('[', ']', '(', ')', '|'))
             .Where(w => Regex.IsMatch(w, @"^--?[A-Za-z][\w-]*$"))
             .Distinct();
}
