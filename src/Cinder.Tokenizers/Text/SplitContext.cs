namespace Cinder.Tokenizers.Text;

/// <summary>
/// One text being pre-tokenized: its code points, and the two single-character-per-code-point views llama.cpp's
/// regexes run on (built on first use).
/// </summary>
internal sealed class SplitContext
{
    private char[]? _collapsed;
    private char[]? _wide;

    public SplitContext(int[] codepoints) => Codepoints = codepoints;

    public int[] Codepoints { get; }

    /// <summary>
    /// llama.cpp's "collapsed" text for regexes with <c>\p{..}</c> classes: ASCII stays, other whitespace becomes
    /// U+000B, other code points become one marker per category (U+00D1 number, U+00D2 letter, U+00D3 punctuation,
    /// U+00D4 mark, U+00D5 symbol, U+00D0 anything else).
    /// </summary>
    public char[] Collapsed => _collapsed ??= BuildCollapsed(Codepoints);

    /// <summary>
    /// The text as std::wregex sees it in llama.cpp: code points with non-ASCII whitespace replaced by U+000B. Code
    /// points beyond the BMP become U+FFFF, which no pattern run on this view mentions.
    /// </summary>
    public char[] Wide => _wide ??= BuildWide(Codepoints);

    private static char[] BuildCollapsed(int[] cps)
    {
        var result = new char[cps.Length];
        for (int i = 0; i < cps.Length; i++)
        {
            int cp = cps[i];
            if (cp < 128) { result[i] = (char)cp; continue; }
            if (UnicodeData.IsWhitespace(cp)) { result[i] = '\v'; continue; }
            result[i] = UnicodeData.Category(cp) switch
            {
                CodepointCategory.Number => '\u00D1',
                CodepointCategory.Letter => '\u00D2',
                CodepointCategory.Punctuation => '\u00D3',
                CodepointCategory.Mark => '\u00D4',
                CodepointCategory.Symbol => '\u00D5',
                _ => '\u00D0',
            };
        }
        return result;
    }

    private static char[] BuildWide(int[] cps)
    {
        var result = new char[cps.Length];
        for (int i = 0; i < cps.Length; i++)
        {
            int cp = cps[i];
            result[i] = cp > 0x7F && UnicodeData.IsWhitespace(cp) ? '\v' : cp > 0xFFFF ? '\uFFFF' : (char)cp;
        }
        return result;
    }
}
