using Spectre.Console;

namespace Cinder.Cli;

/// <summary>Spectre.Console consoles for tables and progress: rich on a terminal, plain and wide when redirected.</summary>
internal static class ConsoleOutput
{
    public static IAnsiConsole Stdout { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Stderr { get; } = Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>True when stderr is an interactive terminal (progress bars go there).</summary>
    public static bool StderrIsTerminal => !Console.IsErrorRedirected;

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        // Redirected output is read by scripts: never wrap table rows at 80 columns.
        if (redirected) console.Profile.Width = 240;
        return console;
    }
}
