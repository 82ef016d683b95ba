using Spectre.Console;

namespace Cinder.Cli;

/// <summary>Progress over a known number of steps: a Spectre.Console bar on a terminal, plain lines otherwise.</summary>
internal static class Progress
{
    /// <summary>Runs <paramref name="work"/>, which reports (done, total, item) after each step.</summary>
    public static void Run(string title, Action<Action<int, int, string>> work)
    {
        if (!ConsoleOutput.StderrIsTerminal)
        {
            int lastPercent = -1;
            work((done, total, item) =>
            {
                int percent = total == 0 ? 100 : done * 100 / total;
                // Every tenth percent is enough for a log.
                if (percent / 10 != lastPercent / 10 || done == total)
                {
                    Console.Error.WriteLine($"{title}: {done}/{total} {item}");
                    lastPercent = percent;
                }
            });
            return;
        }
        ConsoleOutput.Stderr.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title);
                work((done, total, item) =>
                {
                    task.MaxValue = total;
                    task.Value = done;
                    task.Description = $"{title} {Markup.Escape(item)}";
                });
                task.Value = task.MaxValue;
            });
    }
}
