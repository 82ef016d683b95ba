using System.Collections.Concurrent;

namespace Cinder.Cli.Tests;

/// <summary>`cinder COMMAND --help`, run once per test process and shared by the tests that read it.</summary>
internal static class HelpText
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Cache = new();

    /// <summary>The help text of <paramref name="command"/> ("" for the root).</summary>
    public static string For(string command) => Cache.GetOrAdd(command, c => new Lazy<string>(() =>
        (c.Length == 0 ? CinderProcess.Run("--help") : CinderProcess.Run(c, "--help")).AssertSuccess().Stdout)).Value;
}
