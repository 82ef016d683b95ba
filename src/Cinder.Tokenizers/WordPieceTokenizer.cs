using System.Text;
using Cinder.Core;
using Cinder.Tokenizers.Text;

namespace Cinder.Tokenizers;

/// <summary>
/// WordPiece as llama.cpp runs it (<c>tokenizer.ggml.model = "bert"</c>): the text is normalised (optionally lower-cased
/// and stripped of accents), split at whitespace, punctuation, ASCII symbols and CJK ideographs, and each word, with a
/// leading U+2581, is covered greedily by the longest matching tokens; a word that cannot be covered becomes UNK.
/// With special tokens added the result is framed as <c>[CLS] ... [SEP]</c> (BOS and SEP).
/// </summary>
/// <remarks>Hand-written: see <see cref="Tokenizer"/> for why Microsoft.ML.Tokenizers is not used.</remarks>
public sealed class WordPieceTokenizer : Tokenizer
{
    private const char WordStart = '\u2581';

    public WordPieceTokenizer(Vocabulary vocabulary, TokenizerSettings settings) : base(vocabulary, settings) { }

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output)
    {
        if (addSpecial)
        {
            if (Settings.BosId < 0) throw new TokenizerException("WordPiece adds [CLS] but the BOS (CLS) token id is not set", "tokenizer.ggml.bos_token_id");
            output.Add(Settings.BosId);
        }
        foreach (var fragment in fragments)
        {
            if (fragment.IsText) EncodeText(text.AsSpan(fragment.Start, fragment.Length), output);
            else output.Add(fragment.TokenId);
        }
        if (addSpecial)
        {
            if (Settings.SeparatorId < 0) throw new TokenizerException("WordPiece adds [SEP] but the separator token id is not set", "tokenizer.ggml.seperator_token_id");
            output.Add(Settings.SeparatorId);
        }
    }

    private protected override byte[] NormalPiece(string text) => ToUtf8(text.Replace(WordStart, ' '));

    private void EncodeText(ReadOnlySpan<char> text, List<int> output)
    {
        var word = new StringBuilder();
        foreach (var w in Words(text))
        {
            word.Clear().Append(WordStart).Append(w);
            var s = word.ToString();
            int before = output.Count;
            for (int i = 0; i < s.Length;)
            {
                // longest token starting at i
                int end = LongestMatch(s, i, out int id);
                if (id < 0)
                {
                    output.RemoveRange(before, output.Count - before);
                    break;
                }
                output.Add(id);
                i = end;
            }
            if (output.Count == before) output.Add(Settings.UnknownId);
        }
    }

    private int LongestMatch(string s, int start, out int id)
    {
        // the furthest code point boundary within MaxTokenUtf8Length bytes: no token is longer
        int limit = start, bytes = 0;
        while (limit < s.Length)
        {
            int width = char.IsSurrogatePair(s, limit) ? 2 : 1;
            bytes += width == 2 ? 4 : s[limit] < 0x80 ? 1 : s[limit] < 0x800 ? 2 : 3;
            if (bytes > Vocabulary.MaxTokenUtf8Length) break;
            limit += width;
        }
        // candidates longest first, ending on code point boundaries
        for (int end = limit; end > start; end -= end - 2 >= start && char.IsSurrogatePair(s, end - 2) ? 2 : 1)
        {
            id = Vocabulary.IdOf(s.AsSpan(start, end - start));
            if (id >= 0) return end;
        }
        id = -1;
        return start;
    }

    /// <summary>llama.cpp's <c>llm_tokenizer_wpm_session::preprocess</c>: normalise, then split into words.</summary>
    private List<string> Words(ReadOnlySpan<char> text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        void Finish()
        {
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
        }

        foreach (var rune in text.EnumerateRunes())
        {
            int cp = Settings.StripAccents ? UnicodeData.NfdFirst(rune.Value) : rune.Value;
            var category = UnicodeData.Category(cp);
            if (UnicodeData.IsWhitespace(cp))
            {
                Finish();
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || category == CodepointCategory.Control) continue;
            if (Settings.StripAccents && category == CodepointCategory.Mark) continue;

            int mapped = Settings.Lowercase ? UnicodeData.ToLower(cp) : cp;
            if (category == CodepointCategory.Punctuation || (cp < 0x7F && category == CodepointCategory.Symbol) || IsChineseChar(cp))
            {
                Finish();
                current.Append(char.ConvertFromUtf32(mapped));
                Finish();
            }
            else
            {
                current.Append(char.ConvertFromUtf32(mapped));
            }
        }
        Finish();
        return words;
    }

    // The CJK ranges BERT's basic tokenizer splits on (llama.cpp keeps HF's 0x2B920 start where Unicode has 0x2B820).
    private static bool IsChineseChar(int cp) =>
        cp is >= 0x04E00 and <= 0x09FFF
            or >= 0x03400 and <= 0x04DBF
            or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F
            or >= 0x2B920 and <= 0x2CEAF
            or >= 0x0F900 and <= 0x0FAFF
            or >= 0x2F800 and <= 0x2FA1F;
}
