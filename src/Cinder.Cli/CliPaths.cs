namespace Cinder.Cli;

/// <summary>Checks on the files a command is given, made before any work so a bad path ends as one clear line.</summary>
internal static class CliPaths
{
    /// <summary>The full path of an existing file; a directory or a missing file is reported as what it is.</summary>
    /// <param name="what">What the file is for, as the message should name it ("model file", "vocabulary file").</param>
    public static string ExistingFile(FileInfo file, string what)
    {
        string path = file.FullName;
        if (Directory.Exists(path)) throw new UsageException($"{what} {path} is a directory, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} not found: {path}", path);
        return path;
    }

    /// <summary>The full path of a file to write: not a directory, and in a directory that exists.</summary>
    public static string NewFile(FileInfo file, string what)
    {
        string path = file.FullName;
        if (Directory.Exists(path)) throw new UsageException($"{what} {path} is a directory; give a file name");
        string? directory = Path.GetDirectoryName(path);
        if (directory is not null && !Directory.Exists(directory)) throw new UsageException($"cannot write {what} {path}: the directory {directory} does not exist");
        return path;
    }
}
