using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Cinder.Cli.Commands;
using Cinder.Core;

namespace Cinder.Cli;

/// <summary>The `cinder` command: one subcommand per job. Only this layer chooses exit codes and prints errors.</summary>
public static class CinderCli
{
    /// <summary>Exit code for bad input (a missing file, a corrupt model, a bad argument).</summary>
    public const int InputError = 1;

    /// <summary>Exit code for a failure that is Cinder's fault, not the input's.</summary>
    public const int InternalError = 70;

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("Cinder: CPU-native LLM inference engine and OpenAI-compatible server.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(LogitsCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(LoadtestCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        var root = BuildRootCommand();
        var parse = root.Parse(args);
        // A bare `cinder` keeps System.CommandLine's answer (the error and the full help); any other bad command
        // line is one line on stderr, and stdout, which scripts read, stays empty.
        if (parse.Action is ParseErrorAction && args.Length > 0) return ReportParseErrors(parse);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        // serve handles SIGTERM/SIGINT itself: it drains for up to --drain-timeout, longer than System.CommandLine waits.
        if (parse.CommandResult.Command.Name == "serve") config.ProcessTerminationTimeout = null;
        try
        {
            return parse.InvokeAsync(config).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return ReportError(e);
        }
    }

    /// <summary>Prints the parse errors as one line naming the command whose help to read; returns <see cref="InputError"/>.</summary>
    public static int ReportParseErrors(ParseResult parse)
    {
        var problems = parse.Errors.Select(e => OneLine(e.Message).TrimEnd('.')).Distinct();
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is not null; r = r.Parent)
        {
            if (r is CommandResult c && c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        }
        names.Insert(0, "cinder");
        Console.Error.WriteLine($"error: {string.Join("; ", problems)} (see '{string.Join(' ', names)} --help')");
        return InputError;
    }

    /// <summary>System.CommandLine's message on one line, with the expected type said in words rather than as a CLR type name.</summary>
    internal static string OneLine(string message)
    {
        // "Must be one of:\n\t'a'\n\t'b'" -> "Must be one of: 'a', 'b'"
        message = Regex.Replace(message, @"'\s*\n\s*'", "', '");
        message = Regex.Replace(message, @"\s*\n\s*", " ").Trim();
        return Regex.Replace(message, @" as expected type '([^']+)'", m => ": expected " + Expected(m.Groups[1].Value));
    }

    private static string Expected(string clrType) => clrType switch
    {
        _ when clrType.Contains("UInt", StringComparison.Ordinal) => "a whole number, 0 or more",
        _ when clrType.Contains("Int", StringComparison.Ordinal) => "a whole number",
        _ when clrType.Contains("Single", StringComparison.Ordinal) || clrType.Contains("Double", StringComparison.Ordinal) => "a number",
        _ when clrType.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => clrType,
    };

    /// <summary>Prints one line to stderr (no stack trace) and returns the exit code for it.</summary>
    public static int ReportError(Exception e)
    {
        switch (e)
        {
            case CinderException:
                Console.Error.WriteLine($"error: {e.Message}");
                return InputError;
            case DirectoryNotFoundException or UnauthorizedAccessException or IOException:
                // FileNotFoundException included: its message says which file and why it was wanted.
                Console.Error.WriteLine($"error: {e.Message}");
                return InputError;
            case OperationCanceledException:
                Console.Error.WriteLine("cancelled");
                return 130;
            default:
                Console.Error.WriteLine($"internal error ({e.GetType().Name}): {e.Message}");
                if (Environment.GetEnvironmentVariable("CINDER_DEBUG") == "1") Console.Error.WriteLine(e);
                return InternalError;
        }
    }
}
