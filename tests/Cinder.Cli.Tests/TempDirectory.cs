using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>A scratch directory under the system temp folder for one test class, deleted afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = SharedData.NewTempDirectory("cinder-cli-test");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
