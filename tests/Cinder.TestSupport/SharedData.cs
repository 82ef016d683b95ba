namespace Cinder.TestSupport;

/// <summary>
/// Locates the shared data folder that sits beside the repository root as ../shared (models, golden
/// outputs, tokenizer vectors). Nothing from it is copied into the repository.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);
    private static readonly Lazy<string> RootLazy = new(FindShared);

    /// <summary>The repository root (the folder holding Cinder.slnx).</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>The ../shared folder; throws with a clear message when it is missing.</summary>
    public static string Root => RootLazy.Value;

    public static string Model(string fileName) => Existing(Path.Combine(Root, "models", fileName));

    public static string Vocab(string fileName) => Existing(Path.Combine(Root, "vocab", fileName));

    public static string Golden(string relativePath) => Existing(Path.Combine(Root, "golden", relativePath));

    /// <summary>stories260K.gguf, the demo model.</summary>
    public static string Stories260K => Model("stories260K.gguf");

    /// <summary>aidreams260K.gguf, the second tiny model (different head layout).</summary>
    public static string AiDreams260K => Model("aidreams260K.gguf");

    /// <summary>A scratch directory under the system temp folder, unique per call; deleted by the caller or the OS.</summary>
    public static string NewTempDirectory(string prefix = "cinder-test")
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"shared test data is missing: {path} (expected ../shared beside the repository root, see ../shared/README.md)", path);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cinder.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"cannot find the repository root (Cinder.slnx) above {AppContext.BaseDirectory}");
    }

    private static string FindShared()
    {
        var shared = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        if (!Directory.Exists(Path.Combine(shared, "models")))
            throw new DirectoryNotFoundException($"the shared data folder is missing: expected {shared} with models/, golden/ and vocab/ beside the repository root");
        return shared;
    }
}
