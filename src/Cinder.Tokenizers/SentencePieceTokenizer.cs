using System.Text;
using Cinder.Core;

namespace Cinder.Tokenizers;

/// <summary>
/// SentencePiece BPE as llama.cpp runs it (<c>tokenizer.ggml.model = "llama"</c>): spaces become U+2581, a space is
/// prefixed to text at the start and after special tokens, then adjacent pieces are merged, highest vocabulary score
/// first (leftmost on ties), and characters that no token covers fall back to <c>&lt;0xNN&gt;</c> byte tokens.
/// </summary>
/// <remarks>Hand-written: see <see cref="Tokenizer"/> for why Microsoft.ML.Tokenizers is not used.</remarks>
public sealed class SentencePieceTokenizer : Tokenizer
{
    private const char SpaceMarker = '\u2581';
    private readonly int[] _byteTokens = new int[256];

    public SentencePieceTokenizer(Vocabulary vocabulary, TokenizerSettings settings) : base(vocabulary, settings)
    {
        Span<char> name = stackalloc char[6];
        for (int b = 0; b < 256; b++)
        {
            $"<0x{b:X2}>".AsSpan().CopyTo(name);
            int id = vocabulary.IdOf(name);
            // llama.cpp falls back to the byte as a one-character token; a lone byte >= 0x80 is not text, so no token can be it.
            if (id < 0 && b < 0x80) id = vocabulary.IdOf([(char)b]);
            _byteTokens[b] = id;
        }
    }

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output)
    {
        bool previousWasSpecial = true; // the first text gets the space prefix too
        if (addSpecial && Settings.AddBos) output.Add(Settings.BosId);

        var buffer = new StringBuilder();
        foreach (var fragment in fragments)
        {
            if (!fragment.IsText)
            {
                output.Add(fragment.TokenId);
                previousWasSpecial = true;
                continue;
            }
            buffer.Clear();
            if (Settings.AddSpacePrefix && previousWasSpecial) buffer.Append(' ');
            buffer.Append(text, fragment.Start, fragment.Length);
            buffer.Replace(' ', SpaceMarker);
            EncodePiece(buffer.ToString(), output);
            previousWasSpecial = false;
        }

        if (addSpecial && Settings.AddEos) output.Add(Settings.EosId);
    }

    private protected override byte[] NormalPiece(string text) => ToUtf8(text.Replace(SpaceMarker, ' '));

    private struct Symbol
    {
        public int Start;   // first char of the symbol in the text
        public int Length;  // chars; 0 once merged into its left neighbour
        public int Prev;
        public int Next;
    }

    private readonly record struct Bigram(int Left, int Right, int Length);

    // Highest score first; for equal scores the leftmost pair (llama.cpp's llm_bigram_spm::comparator).
    private sealed class BigramOrder : IComparer<(float Score, int Left)>
    {
        public static readonly BigramOrder Instance = new();

        public int Compare((float Score, int Left) a, (float Score, int Left) b) =>
            a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left);
    }

    /// <summary>llama.cpp's <c>llm_tokenizer_spm_session::tokenize</c> on one escaped fragment.</summary>
    private void EncodePiece(string text, List<int> output)
    {
        if (text.Length == 0) return;

        // one symbol per code point
        var symbols = new List<Symbol>(text.Length);
        for (int offset = 0; offset < text.Length;)
        {
            int length = char.IsHighSurrogate(text[offset]) && offset + 1 < text.Length ? 2 : 1;
            int index = symbols.Count;
            symbols.Add(new Symbol { Start = offset, Length = length, Prev = index - 1, Next = offset + length == text.Length ? -1 : index + 1 });
            offset += length;
        }
        var symbol = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);

        var queue = new PriorityQueue<Bigram, (float, int)>(BigramOrder.Instance);
        void TryAddBigram(Span<Symbol> s, int left, int right)
        {
            if (left == -1 || right == -1) return;
            int length = s[left].Length + s[right].Length;
            int id = Vocabulary.IdOf(text.AsSpan(s[left].Start, length));
            if (id < 0) return;
            queue.Enqueue(new Bigram(left, right, length), (Vocabulary.Score(id), left));
        }

        for (int i = 1; i < symbol.Length; i++) TryAddBigram(symbol, i - 1, i);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref symbol[bigram.Left];
            ref var right = ref symbol[bigram.Right];
            // one of the two was merged since this pair was queued
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Length) continue;

            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) symbol[right.Next].Prev = bigram.Left;

            TryAddBigram(symbol, left.Prev, bigram.Left);
            TryAddBigram(symbol, bigram.Left, left.Next);
        }

        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i != -1; i = symbol[i].Next)
        {
            var piece = text.AsSpan(symbol[i].Start, symbol[i].Length);
            int id = Vocabulary.IdOf(piece);
            if (id >= 0)
            {
                output.Add(id);
                continue;
            }
            // A symbol that is not a token is a single code point (merges only ever make tokens): byte fallback.
            int n = Encoding.UTF8.GetBytes(piece, utf8);
            for (int j = 0; j < n; j++)
            {
                int byteToken = _byteTokens[utf8[j]];
                if (byteToken < 0)
                    throw new TokenizerException($"the vocabulary has no token for the byte 0x{utf8[j]:X2} (no <0x{utf8[j]:X2}> byte-fallback token)");
                output.Add(byteToken);
            }
        }
    }
}
