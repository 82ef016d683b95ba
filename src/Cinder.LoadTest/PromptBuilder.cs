using System.Text;

namespace Cinder.LoadTest;

/// <summary>
/// Makes prompt text of about N tokens. Built-in: N random words from a list of very common English words, each of
/// which (with its leading space) is one token in the LLaMA SentencePiece and GPT-style BPE vocabularies, so N words
/// give about N tokens plus what the server adds (BOS, chat template). From a file: a window of the file's words
/// starting at a random word, wrapping around, of round(0.75 * N) words (ordinary English text averages about
/// 0.75 words per token).
/// </summary>
/// <remarks>
/// Every prompt is drawn afresh, so prompts share no long prefix and a server's prefix cache cannot turn the prefill
/// into a lookup; the token count a server reports is the truth, and the report shows it next to the request.
/// </remarks>
public sealed class PromptBuilder
{
    /// <summary>Words per token assumed for text taken from a prompt file.</summary>
    public const double FileWordsPerToken = 0.75;

    internal static readonly string[] CommonWords =
    [
        "the", "of", "and", "to", "in", "is", "it", "that", "for", "on", "with", "as", "was", "at", "by", "be",
        "this", "from", "or", "are", "an", "but", "not", "have", "all", "they", "one", "had", "we", "were", "his", "her",
        "there", "can", "which", "their", "said", "if", "will", "about", "up", "out", "so", "what", "when", "would", "who", "them",
        "some", "time", "more", "no", "like", "has", "two", "been", "into", "other", "could", "then", "only", "than", "now", "first",
    ];

    private readonly string[] _words;
    private readonly bool _fromFile;

    private PromptBuilder(string[] words, bool fromFile)
    {
        _words = words;
        _fromFile = fromFile;
    }

    /// <summary>Random common words.</summary>
    public static PromptBuilder Synthetic { get; } = new(CommonWords, fromFile: false);

    /// <summary>Windows of the words of a text file.</summary>
    public static PromptBuilder FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"prompt file not found: {path}", path);
        return FromText(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>Windows of the words of <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    public static PromptBuilder FromText(string text, string source)
    {
        string[] words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) throw new LoadTestException($"prompt file {source} holds no words");
        return new PromptBuilder(words, fromFile: true);
    }

    /// <summary>Whether the words come from a user's file.</summary>
    public bool FromUserFile => _fromFile;

    /// <summary>Prompt text for about <paramref name="tokens"/> tokens.</summary>
    public string Build(int tokens, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        int count = _fromFile ? Math.Max(1, (int)Math.Round(tokens * FileWordsPerToken)) : tokens;
        var sb = new StringBuilder(count * 6);
        int start = rng.Next(_words.Length);
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(_fromFile ? _words[(start + i) % _words.Length] : _words[rng.Next(_words.Length)]);
        }
        return sb.ToString();
    }
}
