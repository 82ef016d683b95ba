namespace Cinder.Core;

/// <summary>A GGUF file is malformed or exceeds a hard limit. Says where (<see cref="Offset"/>), what (<see cref="Subject"/>: a key or tensor) and why.</summary>
public sealed class GgufFormatException : CinderException
{
    public GgufFormatException(string? subject, long offset, string problem)
        : base(subject is null ? $"invalid GGUF at offset {offset}: {problem}" : $"invalid GGUF at offset {offset} ({Shorten(subject)}): {problem}")
    {
        Subject = subject;
        Offset = offset;
        Problem = problem;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    /// <summary>The metadata key or tensor name being read, if any.</summary>
    public string? Subject { get; }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>What was wrong, including the limit that was exceeded.</summary>
    public string Problem { get; }
}
