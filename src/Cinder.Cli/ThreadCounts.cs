namespace Cinder.Cli;

/// <summary>Checks a --threads value before a worker pool is built from it.</summary>
internal static class ThreadCounts
{
    /// <summary>
    /// Most threads a command accepts. A pool starts every thread up front, so an absurd count would exhaust the
    /// process (100000 aborts the runtime); 1024 is far above any useful count and far below that.
    /// </summary>
    public const int Max = 1024;

    /// <summary><paramref name="value"/> when it is 0 (the command's default count) or 1..<see cref="Max"/>.</summary>
    public static int Check(int value, string option = "--threads")
    {
        if (value < 0) throw new UsageException($"{option} must be 0 (the default count) or a positive number of threads, got {value}");
        if (value > Max) throw new UsageException($"{option} {value} is more than {Max} threads");
        return value;
    }
}
