using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// Runs the real `cinder` as a user does: <c>dotnet cinder.dll ARGS</c> as a child process (the test project
/// references src/Cinder.Cli, so the build puts cinder.dll beside this assembly), from the repository root, with
/// stdin closed, stdout and stderr captured, and a timeout after which the process tree is killed.
/// </summary>
internal static class CinderProcess
{
    /// <summary>Long enough for the slowest command here on a loaded 2-core machine; a hang fails instead of blocking CI.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "cinder.dll");

    public static CliResult Run(params string[] args) => Run(new RunOptions(), args);

    public static CliResult Run(RunOptions options, params string[] args)
    {
        if (!File.Exists(Dll)) throw new FileNotFoundException($"the built CLI is missing: {Dll} (the test project references src/Cinder.Cli)", Dll);
        var start = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = new UTF8Encoding(false),
            WorkingDirectory = options.WorkingDirectory ?? SharedData.RepoRoot,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        // A developer's CINDER_DEBUG=1 would print stack traces on purpose; the tests check that none reach a user.
        start.Environment.Remove("CINDER_DEBUG");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var stdout = new MemoryStream();
        var stdoutDone = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderrDone = process.StandardError.ReadToEndAsync();
        var timeout = options.Timeout ?? DefaultTimeout;
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"cinder {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s; stderr so far:\n{stderrDone.GetAwaiter().GetResult()}");
        }
        process.WaitForExit(); // and the output streams are drained
        stdoutDone.GetAwaiter().GetResult();
        return new CliResult(args, process.ExitCode, stdout.ToArray(), stderrDone.GetAwaiter().GetResult(), clock.Elapsed);
    }

    /// <summary>The dotnet host running these tests (so the CLI runs on the same runtime), else the one on PATH.</summary>
    private static string DotnetHost { get; } = FindHost();

    private static string FindHost()
    {
        string exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        // The runtime lives in DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, exe)) ? Path.Combine(root, exe) : exe;
    }
}

/// <summary>How to run one command.</summary>
internal sealed record RunOptions(string? WorkingDirectory = null, TimeSpan? Timeout = null);
