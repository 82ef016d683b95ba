using System.CommandLine;
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
        root.Subcommands.Add(LoadtestCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        var root = BuildRootCommand();
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return parse.InvokeAsync(config).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return ReportError(e);
        }
    }

    /// <summary>Prints one line to stderr (no stack trace) and returns the exit code for it.</summary>
    public static int ReportError(Exception e)
    {
        switch (e)
        {
            case CinderException:
                Console.Error.WriteLine($"error: {e.Message}");
                return InputError;
            case FileNotFoundException f:
                Console.Error.WriteLine($"error: file not found: {f.FileName ?? f.Message}");
                return InputError;
            case DirectoryNotFoundException or UnauthorizedAccessException or IOException:
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
