namespace Cinder.Cli;

/// <summary>Resolves model paths, including the demo model beside the repository.</summary>
internal static class ModelPaths
{
    public const string DemoModelRelative = "../shared/models/stories260K.gguf";

    /// <summary>
    /// The demo model: ../shared/models/stories260K.gguf relative to the working directory, else relative to
    /// the repository that holds this executable (so `dotnet run` works from anywhere in the checkout).
    /// </summary>
    public static string? FindDemoModel()
    {
        if (File.Exists(DemoModelRelative)) return Path.GetFullPath(DemoModelRelative);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cinder.slnx")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, DemoModelRelative));
                return File.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    /// <summary>The model to use: the one given, or the demo model (announced on stderr).</summary>
    public static string Resolve(FileInfo? given)
    {
        if (given is not null) return CliPaths.ExistingFile(given, "model file");
        var demo = FindDemoModel() ?? throw new FileNotFoundException($"no model given (-m) and the demo model {DemoModelRelative} was not found", DemoModelRelative);
        Console.Error.WriteLine($"no model given: using the demo model {demo}");
        return demo;
    }
}
