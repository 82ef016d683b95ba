using System.Text;
using Cinder.Core;

namespace Cinder.Tokenizers;

/// <summary>
/// Text to token ids and back, with llama.cpp's semantics (<c>llama_tokenize</c>, <c>llama_token_to_piece</c>,
/// <c>llama_detokenize</c>): special tokens found in the text become their ids before the model-specific algorithm
/// sees the rest, BOS/EOS follow the settings, and decoding reproduces llama.cpp's bytes.
/// </summary>
/// <remarks>
/// All three algorithms are written here rather than taken from Microsoft.ML.Tokenizers, because it does not give
/// llama.cpp's ids for every string. Measured: its <c>BpeTokenizer</c> with the GPT-2 regex as pre-tokenizer passes the
/// gpt-2 vectors but differs on about 1 random string in 2000, since .NET's regex matches UTF-16 code units (a letter
/// outside the basic plane is not <c>\p{L}</c> to it) and cannot express llama.cpp's hand-coded and "collapsed" splitters.
/// Fed llama.cpp's word split, its merge step agreed on every word tried; it is still not used for that step alone:
/// the step is short, llama.cpp's ignore_merges and per-byte fallback for pieces missing from the vocabulary would
/// have to be wrapped around it, and it would hold a second copy of the vocabulary. Its SentencePiece needs the protobuf model, which GGUF does not carry, and
/// applies SentencePiece's own special-token and space rules; its WordPiece expects <c>##</c> continuation pieces and a
/// full NFD normaliser, whereas GGUF BERT vocabularies mark word starts with U+2581 and llama.cpp keeps only the first
/// code point of a decomposition.
/// Instances are immutable and safe to use from several threads.
/// </remarks>
public abstract class Tokenizer
{
    private const TokenAttributes SpecialAttributes = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly int[] _specialTokens;
    private readonly HashSet<int> _endOfGeneration;
    private byte[][]? _pieces;
    private int _maxPieceLength = -1;

    private protected Tokenizer(Vocabulary vocabulary, TokenizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(settings);
        Vocabulary = vocabulary;
        Settings = settings;

        foreach (var (name, id) in new[] { ("bos", settings.BosId), ("eos", settings.EosId), ("eot", settings.EotId), ("eom", settings.EomId),
                     ("unknown", settings.UnknownId), ("separator", settings.SeparatorId), ("padding", settings.PaddingId), ("mask", settings.MaskId) })
        {
            if (id < -1 || id >= vocabulary.Count)
                throw new TokenizerException($"the {name} token id {id} is outside the vocabulary of {vocabulary.Count} tokens");
        }
        if (settings.AddBos && settings.BosId < 0) throw new TokenizerException("add_bos_token is true, but the BOS token id is not set", "tokenizer.ggml.bos_token_id");
        if (settings.AddEos && settings.EosId < 0) throw new TokenizerException("add_eos_token is true, but the EOS token id is not set", "tokenizer.ggml.eos_token_id");

        _endOfGeneration = settings.EndOfGenerationIds.Count > 0
            ? [.. settings.EndOfGenerationIds]
            : [.. new[] { settings.EosId, settings.EotId, settings.EomId }.Where(id => id >= 0)];

        // Special tokens are matched longest first (llama.cpp sorts by byte length; for equal lengths its order is
        // unspecified, here it is by id, which only matters for two equally long special tokens that overlap in the text).
        _specialTokens = Enumerable.Range(0, vocabulary.Count)
            .Where(id => (vocabulary.Attributes(id) & SpecialAttributes) != 0)
            .OrderByDescending(id => Encoding.UTF8.GetByteCount(vocabulary.Text(id)))
            .ThenBy(id => id)
            .ToArray();
    }

    public Vocabulary Vocabulary { get; }

    public TokenizerSettings Settings { get; }

    public int VocabSize => Vocabulary.Count;

    /// <summary>Beginning of sequence, or -1.</summary>
    public int BosId => Settings.BosId;

    /// <summary>End of sequence, or -1.</summary>
    public int EosId => Settings.EosId;

    /// <summary>End of turn, or -1.</summary>
    public int EotId => Settings.EotId;

    /// <summary>Whether <see cref="Encode"/> with <c>addSpecial</c> prepends BOS.</summary>
    public bool AddBos => Settings.AddBos;

    /// <summary>Whether <see cref="Encode"/> with <c>addSpecial</c> appends EOS.</summary>
    public bool AddEos => Settings.AddEos;

    /// <summary>The largest number of bytes <see cref="TokenBytes"/> returns for any token.</summary>
    public int MaxTokenBytes
    {
        get
        {
            if (_maxPieceLength < 0) _maxPieceLength = Pieces.Max(p => p.Length);
            return _maxPieceLength;
        }
    }

    /// <summary>
    /// Token ids for <paramref name="text"/>, as <c>llama_tokenize(text, add_special, parse_special)</c> gives them.
    /// </summary>
    /// <param name="text">The text; it may contain special token texts.</param>
    /// <param name="addSpecial">Add BOS/EOS as the settings say (WordPiece: CLS and SEP).</param>
    /// <param name="parseSpecial">Recognise control tokens such as <c>&lt;|im_end|&gt;</c> in the text. User-defined tokens are recognised either way.</param>
    /// <remarks>Unpaired UTF-16 surrogates are replaced by U+FFFD first, as UTF-8 encoding does.</remarks>
    public int[] Encode(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ReplaceLoneSurrogates(text);
        var fragments = Partition(text, parseSpecial);
        var output = new List<int>(text.Length / 3 + 4);
        EncodeFragments(text, fragments, addSpecial, output);
        return output.ToArray();
    }

    /// <summary>
    /// The bytes token <paramref name="id"/> renders as (<c>llama_token_to_piece</c> without lstrip): SentencePiece and
    /// WordPiece pieces with U+2581 turned into spaces, byte tokens as their byte, byte-level BPE decoded to raw bytes.
    /// Control and unknown tokens render as their text when <paramref name="special"/> is true, as nothing otherwise.
    /// The bytes need not be valid UTF-8 on their own.
    /// </summary>
    public ReadOnlySpan<byte> TokenBytes(int id, bool special = true)
    {
        Vocabulary.CheckId(id);
        if (!special && (Vocabulary.Attributes(id) & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) return [];
        return Pieces[id];
    }

    /// <summary><see cref="TokenBytes"/> as text (invalid UTF-8 becomes U+FFFD): what <c>llama-tokenize</c> prints for each token.</summary>
    public string TokenPiece(int id, bool special = true) => Utf8.GetString(TokenBytes(id, special));

    /// <summary>
    /// The bytes of <c>llama_detokenize</c>: token pieces concatenated, the first one without its leading space when the
    /// vocabulary adds a space prefix, then (for vocabularies that ask for it) spaces cleaned up.
    /// </summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="removeSpecial">Drop a leading BOS and trailing EOS that the settings would have added.</param>
    /// <param name="renderSpecial">Render control tokens as their text.</param>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids, bool removeSpecial = false, bool renderSpecial = false)
    {
        bool removeSpace = Settings.AddSpacePrefix;
        if (removeSpecial && Settings.AddBos && ids.Length > 0 && ids[0] == Settings.BosId)
        {
            removeSpace = false;
            ids = ids[1..];
        }
        if (removeSpecial && Settings.AddEos && ids.Length > 0 && ids[^1] == Settings.EosId) ids = ids[..^1];

        var buffer = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            var piece = TokenBytes(id, renderSpecial);
            if (removeSpace && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            removeSpace = false;
            foreach (byte b in piece) buffer.Add(b);
        }
        var text = buffer.ToArray();
        return Settings.CleanSpaces ? CleanSpaces(text) : text;
    }

    /// <summary><see cref="DecodeBytes"/> as text (invalid UTF-8 becomes U+FFFD).</summary>
    public string Decode(ReadOnlySpan<int> ids, bool removeSpecial = false, bool renderSpecial = false) =>
        Utf8.GetString(DecodeBytes(ids, removeSpecial, renderSpecial));

    /// <summary>Whether generation should stop at <paramref name="id"/> (EOS, EOT, EOM and the model's other end tokens).</summary>
    public bool IsEndOfGeneration(int id) => _endOfGeneration.Contains(id);

    /// <summary>The end-of-generation tokens.</summary>
    public IReadOnlyCollection<int> EndOfGenerationIds => _endOfGeneration;

    public bool IsControl(int id) => Vocabulary.Has(id, TokenAttributes.Control);

    /// <summary>A decoder for generated ids, one at a time; see <see cref="StreamingDetokenizer"/>.</summary>
    public StreamingDetokenizer CreateStreamingDetokenizer(bool renderSpecial = false) => new(this, renderSpecial);

    /// <summary>Encodes the fragments of <paramref name="text"/>: each is either a special token id or a run of plain text.</summary>
    private protected abstract void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output);

    /// <summary>The bytes a token with the <see cref="TokenAttributes.Normal"/> attribute renders as.</summary>
    private protected abstract byte[] NormalPiece(string text);

    private protected static byte[] ToUtf8(string text) => Utf8.GetBytes(text);

    /// <summary>A special token id (<see cref="TokenId"/> &gt;= 0) or the text <c>[Start, Start + Length)</c>.</summary>
    private protected readonly record struct Fragment(int TokenId, int Start, int Length)
    {
        public bool IsText => TokenId < 0;
    }

    private byte[][] Pieces => _pieces ??= BuildPieces();

    private byte[][] BuildPieces()
    {
        var pieces = new byte[Vocabulary.Count][];
        for (int id = 0; id < pieces.Length; id++)
        {
            var attributes = Vocabulary.Attributes(id);
            var text = Vocabulary.Text(id);
            if ((attributes & SpecialAttributes) != 0) pieces[id] = ToUtf8(text);
            else if ((attributes & TokenAttributes.Normal) != 0) pieces[id] = NormalPiece(text);
            else if ((attributes & TokenAttributes.Byte) != 0) pieces[id] = ByteValue(text) is int b and >= 0 ? [(byte)b] : [];
            else pieces[id] = []; // unused and undefined tokens render as nothing
        }
        return pieces;
    }

    /// <summary>The byte of a <c>&lt;0xNN&gt;</c> token, or -1.</summary>
    private protected static int ByteValue(string text) =>
        text.Length >= 5 && int.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int value) ? value : -1;

    /// <summary>
    /// Splits <paramref name="text"/> at special tokens, longest first (llama.cpp's <c>tokenizer_st_partition</c>).
    /// Control and unknown tokens take part only when <paramref name="parseSpecial"/> is set; user-defined ones always.
    /// </summary>
    private List<Fragment> Partition(string text, bool parseSpecial)
    {
        var fragments = new List<Fragment>();
        if (text.Length == 0) return fragments;
        fragments.Add(new Fragment(-1, 0, text.Length));
        var next = new List<Fragment>();

        foreach (int id in _specialTokens)
        {
            var attributes = Vocabulary.Attributes(id);
            if (!parseSpecial && (attributes & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) continue;
            var special = Vocabulary.Text(id);
            next.Clear();
            foreach (var fragment in fragments)
            {
                if (!fragment.IsText)
                {
                    next.Add(fragment);
                    continue;
                }
                int offset = fragment.Start, length = fragment.Length;
                while (true)
                {
                    int match = text.IndexOf(special, offset, length, StringComparison.Ordinal);
                    if (match < 0)
                    {
                        next.Add(new Fragment(-1, offset, length));
                        break;
                    }
                    int leftLength = match - offset;
                    if ((attributes & TokenAttributes.LStrip) != 0)
                        while (leftLength > 0 && IsCSpace(text[offset + leftLength - 1])) leftLength--;
                    if (leftLength > 0) next.Add(new Fragment(-1, offset, leftLength));
                    next.Add(new Fragment(id, 0, 0));

                    int rightOffset = match + special.Length, rightLength = offset + length - rightOffset;
                    if ((attributes & TokenAttributes.RStrip) != 0)
                    {
                        while (rightLength > 0 && IsCSpace(text[rightOffset]))
                        {
                            rightOffset++;
                            rightLength--;
                        }
                    }
                    if (rightLength <= 0) break;
                    offset = rightOffset;
                    length = rightLength;
                }
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    // isspace() in the C locale, which llama.cpp uses for lstrip/rstrip.
    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i]) && !(char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))) break;
            if (char.IsHighSurrogate(text[i])) i++;
        }
        if (i == text.Length) return text;
        var chars = text.ToCharArray();
        for (; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            else if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>llama.cpp's clean_up_tokenization_spaces, three in-place passes over the bytes, reproduced literally.</summary>
    private static byte[] CleanSpaces(byte[] text)
    {
        // first pass: " ?", " !", " .", " ," lose the space
        int total1 = text.Length, total = total1 > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',') total--;
            text[total++] = x;
        }

        // second pass: a single apostrophe between spaces loses both spaces
        int total2 = total;
        total = total2 > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++)
        {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        // third pass: " 's", " 'm", " 're", " 've" lose the space
        int total3 = total;
        total = total3 > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3)
            {
                byte x1 = text[i + 1];
                if (x1 is (byte)'s' or (byte)'m') total--;
                else if (x1 is not ((byte)'t' or (byte)'d') && i + 2 < total3)
                {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return text[..total];
    }
}
