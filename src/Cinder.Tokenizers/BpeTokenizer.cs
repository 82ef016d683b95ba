using System.Text;
using Cinder.Core;
using Cinder.Tokenizers.Text;

namespace Cinder.Tokenizers;

/// <summary>
/// Byte-level BPE as llama.cpp runs it (<c>tokenizer.ggml.model = "gpt2"</c>): the text is split into words by the
/// <see cref="BpePreTokenizer"/>, each word's UTF-8 bytes are written in GPT-2's byte characters, and adjacent pieces
/// are merged lowest merge rank first (leftmost on ties) until no listed merge applies.
/// </summary>
/// <remarks>Hand-written: see <see cref="Tokenizer"/> for why Microsoft.ML.Tokenizers is not used.</remarks>
public sealed class BpeTokenizer : Tokenizer
{
    private readonly BpeWordSplitter _splitter;
    // Every string that occurs in a merge (both halves and the result) gets a piece number, so that merging compares ints.
    private readonly Dictionary<long, (int Rank, int Result)> _merges = [];
    private readonly int[] _pieceToken;        // token id of each piece, -1 if the piece is not a token
    private readonly int[] _charPiece;         // piece of each single byte character (indexed by char), -1 if none
    private readonly int[] _charToken;         // token of each single character up to U+0143, -1 if none

    /// <param name="vocabulary">The token table.</param>
    /// <param name="merges">Merge rules <c>"left right"</c>, highest priority first (<c>tokenizer.ggml.merges</c>).</param>
    /// <param name="settings">Special ids and flags; <see cref="TokenizerSettings.PreTokenizer"/> chooses the word splitter.</param>
    public BpeTokenizer(Vocabulary vocabulary, string[] merges, TokenizerSettings settings) : base(vocabulary, settings)
    {
        ArgumentNullException.ThrowIfNull(merges);
        _splitter = BpeWordSplitter.For(settings.PreTokenizer);

        var pieces = new Dictionary<string, int>(StringComparer.Ordinal);
        int Piece(string s)
        {
            if (!pieces.TryGetValue(s, out int id)) pieces.Add(s, id = pieces.Count);
            return id;
        }
        for (int rank = 0; rank < merges.Length; rank++)
        {
            var merge = merges[rank];
            // llama.cpp splits at the first space after the first character; a line without one is an empty pair.
            int space = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            string left = space < 0 ? "" : merge[..space], right = space < 0 ? "" : merge[(space + 1)..];
            long key = (long)Piece(left) << 32 | (uint)Piece(right);
            _merges.TryAdd(key, (rank, Piece(left + right))); // the first occurrence of a pair wins
        }

        _pieceToken = new int[pieces.Count];
        foreach (var (text, id) in pieces) _pieceToken[id] = vocabulary.IdOf(text);

        _charPiece = new int[0x144];
        _charToken = new int[0x144];
        for (int c = 0; c < 0x144; c++)
        {
            var s = ((char)c).ToString();
            _charPiece[c] = pieces.TryGetValue(s, out int p) ? p : -1;
            _charToken[c] = vocabulary.IdOf(s);
        }
    }

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output)
    {
        if (addSpecial && Settings.AddBos) output.Add(Settings.BosId);
        foreach (var fragment in fragments)
        {
            if (fragment.IsText) EncodeText(text.AsSpan(fragment.Start, fragment.Length), output);
            else output.Add(fragment.TokenId);
        }
        if (addSpecial && Settings.AddEos) output.Add(Settings.EosId);
    }

    /// <summary>llama.cpp's <c>llama_decode_text</c>: byte characters back to bytes; a character outside the map is spelled out.</summary>
    private protected override byte[] NormalPiece(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            char c = text[i];
            if (c < ByteLevel.CharToByte.Length && ByteLevel.CharToByte[c] >= 0)
            {
                bytes.Add((byte)ByteLevel.CharToByte[c]);
                continue;
            }
            var utf8 = Encoding.UTF8.GetBytes(text.Substring(i, char.IsSurrogatePair(text, i) ? 2 : 1));
            bytes.AddRange(Encoding.ASCII.GetBytes("[UNK_BYTE_0x" + Convert.ToHexStringLower(utf8)));
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
            bytes.Add((byte)']');
        }
        return bytes.ToArray();
    }

    private struct Symbol
    {
        public int Start;   // index of the first byte character in the word
        public int Length;  // byte characters; 0 once merged into the left neighbour
        public int Piece;   // piece number of the text, -1 if it is in no merge
        public int Prev;
        public int Next;
    }

    private readonly record struct Bigram(int Left, int Right, int LeftPiece, int RightPiece);

    private sealed class BigramOrder : IComparer<(int Rank, int Left)>
    {
        public static readonly BigramOrder Instance = new();

        public int Compare((int Rank, int Left) a, (int Rank, int Left) b) =>
            a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Left.CompareTo(b.Left);
    }

    private void EncodeText(ReadOnlySpan<char> text, List<int> output)
    {
        var cps = new int[text.Length];
        int n = 0;
        foreach (var rune in text.EnumerateRunes()) cps[n++] = rune.Value;
        var context = new SplitContext(n == cps.Length ? cps : cps[..n]);
        var words = new List<int>();
        _splitter.Split(context, words);

        var encoded = new StringBuilder();
        Span<byte> utf8 = stackalloc byte[4];
        var queue = new PriorityQueue<Bigram, (int, int)>(BigramOrder.Instance);
        var symbols = new List<Symbol>();
        int start = 0;
        foreach (int length in words)
        {
            encoded.Clear();
            for (int i = start; i < start + length; i++)
            {
                int count = new Rune(context.Codepoints[i]).EncodeToUtf8(utf8);
                for (int j = 0; j < count; j++) encoded.Append(ByteLevel.ByteToChar[utf8[j]]);
            }
            start += length;
            EncodeWord(encoded.ToString(), output, queue, symbols);
        }
    }

    private void EncodeWord(string word, List<int> output, PriorityQueue<Bigram, (int, int)> queue, List<Symbol> symbolList)
    {
        if (Settings.IgnoreMerges && Vocabulary.IdOf(word) is int whole and >= 0)
        {
            output.Add(whole);
            return;
        }

        symbolList.Clear();
        for (int i = 0; i < word.Length; i++)
            symbolList.Add(new Symbol { Start = i, Length = 1, Piece = _charPiece[word[i]], Prev = i - 1, Next = i + 1 == word.Length ? -1 : i + 1 });
        var symbols = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbolList);

        queue.Clear();
        for (int i = 1; i < symbols.Length; i++) TryAddBigram(symbols, i - 1, i, queue);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref symbols[bigram.Left];
            ref var right = ref symbols[bigram.Right];
            if (left.Length == 0 || right.Length == 0) continue;
            // skip a pair whose sides have changed since it was queued
            if (left.Piece != bigram.LeftPiece || right.Piece != bigram.RightPiece) continue;

            left.Piece = _merges[Key(left.Piece, right.Piece)].Result;
            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbols[right.Next].Prev = bigram.Left;

            TryAddBigram(symbols, left.Prev, bigram.Left, queue);
            TryAddBigram(symbols, bigram.Left, left.Next, queue);
        }

        for (int i = 0; i != -1; i = symbols[i].Next)
        {
            ref var symbol = ref symbols[i];
            int id = symbol.Length == 1 ? _charToken[word[symbol.Start]] : symbol.Piece >= 0 ? _pieceToken[symbol.Piece] : -1;
            if (id >= 0)
            {
                output.Add(id);
                continue;
            }
            // Not a token: llama.cpp looks up each UTF-8 byte of the text alone; only ASCII bytes can be tokens then.
            for (int j = symbol.Start; j < symbol.Start + symbol.Length; j++)
            {
                if (word[j] < 0x80 && _charToken[word[j]] >= 0) output.Add(_charToken[word[j]]);
            }
        }
    }

    private void TryAddBigram(Span<Symbol> symbols, int left, int right, PriorityQueue<Bigram, (int, int)> queue)
    {
        if (left == -1 || right == -1) return;
        int leftPiece = symbols[left].Piece, rightPiece = symbols[right].Piece;
        if (leftPiece < 0 || rightPiece < 0) return;
        if (!_merges.TryGetValue(Key(leftPiece, rightPiece), out var merge)) return;
        queue.Enqueue(new Bigram(left, right, leftPiece, rightPiece), (merge.Rank, left));
    }

    private static long Key(int left, int right) => (long)left << 32 | (uint)right;
}
