using System.Text;
using Cinder.Core;

namespace Cinder.Tokenizers;

/// <summary>
/// The token table shared by every tokenizer: text, score and attributes of each id, and the reverse lookup from
/// text to id. Built from plain arrays; the texts are exactly as stored in GGUF (SentencePiece marks spaces with
/// U+2581, byte-level BPE stores bytes mapped to printable characters, WordPiece marks word starts with U+2581).
/// </summary>
public sealed class Vocabulary
{
    private readonly string[] _texts;
    private readonly float[] _scores;
    private readonly TokenAttributes[] _attributes;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;

    /// <param name="texts">Token texts, indexed by id. An empty text is renamed <c>[EMPTY_id]</c> as llama.cpp does.</param>
    /// <param name="scores">SentencePiece scores (log probabilities), or null for all zero.</param>
    /// <param name="attributes">Attributes per id, or null for all <see cref="TokenAttributes.Normal"/>.</param>
    /// <exception cref="TokenizerException">Arrays of different lengths, or the same text twice.</exception>
    public Vocabulary(string[] texts, float[]? scores = null, TokenAttributes[]? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Length == 0) throw new TokenizerException("the vocabulary is empty", "tokenizer.ggml.tokens");
        if (scores is not null && scores.Length < texts.Length)
            throw new TokenizerException($"{scores.Length} scores for {texts.Length} tokens", "tokenizer.ggml.scores");
        if (attributes is not null && attributes.Length < texts.Length)
            throw new TokenizerException($"{attributes.Length} token types for {texts.Length} tokens", "tokenizer.ggml.token_type");

        _texts = new string[texts.Length];
        _scores = new float[texts.Length];
        _attributes = new TokenAttributes[texts.Length];
        _ids = new Dictionary<string, int>(texts.Length, StringComparer.Ordinal);
        for (int i = 0; i < texts.Length; i++)
        {
            var text = string.IsNullOrEmpty(texts[i]) ? $"[EMPTY_{i}]" : texts[i];
            if (!_ids.TryAdd(text, i))
                throw new TokenizerException($"duplicate token in vocabulary: '{text}' has ids {_ids[text]} and {i}", "tokenizer.ggml.tokens");
            _texts[i] = text;
            _scores[i] = scores?[i] ?? 0f;
            _attributes[i] = attributes?[i] ?? TokenAttributes.Normal;
            MaxTokenUtf8Length = Math.Max(MaxTokenUtf8Length, Encoding.UTF8.GetByteCount(text));
        }
        _idsBySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Number of tokens.</summary>
    public int Count => _texts.Length;

    /// <summary>Length in UTF-8 bytes of the longest token text.</summary>
    public int MaxTokenUtf8Length { get; }

    /// <summary>The stored text of token <paramref name="id"/>.</summary>
    public string Text(int id) => _texts[CheckId(id)];

    public float Score(int id) => _scores[CheckId(id)];

    public TokenAttributes Attributes(int id) => _attributes[CheckId(id)];

    public bool Has(int id, TokenAttributes attribute) => (_attributes[CheckId(id)] & attribute) != 0;

    /// <summary>The id whose text is exactly <paramref name="text"/>, or -1.</summary>
    public int IdOf(ReadOnlySpan<char> text) => _idsBySpan.TryGetValue(text, out int id) ? id : -1;

    /// <summary>The attribute a GGUF token type stands for.</summary>
    public static TokenAttributes FromType(TokenType type) => type switch
    {
        TokenType.Normal => TokenAttributes.Normal,
        TokenType.Unknown => TokenAttributes.Unknown,
        TokenType.Control => TokenAttributes.Control,
        TokenType.UserDefined => TokenAttributes.UserDefined,
        TokenType.Unused => TokenAttributes.Unused,
        TokenType.Byte => TokenAttributes.Byte,
        _ => TokenAttributes.None,
    };

    internal int CheckId(int id) =>
        (uint)id < (uint)_texts.Length ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {_texts.Length} tokens");
}
