using System.Globalization;
using System.Text;

namespace Cinder.Tokenizers.Text;

/// <summary>
/// Code point properties with the exact values llama.cpp's tokenizer uses (its generated <c>unicode-data.cpp</c>).
/// </summary>
/// <remarks>
/// Derived from .NET's own Unicode tables rather than a copied table, then pinned to the Unicode version llama.cpp's
/// tables were generated from (15.1): .NET 10 knows Unicode 16.0, so the code points first assigned in 16.0 are
/// reported as <see cref="CodepointCategory.Undefined"/>, as llama.cpp sees them. Checked exhaustively against the
/// tables inside the llama.cpp build used as the test oracle: every one of the 0x110000 categories, the lower-case map
/// (which differs from .NET's invariant casing only for U+0130) agree.
/// If a future .NET moves to Unicode 17, the randomized oracle tests are what notices.
/// </remarks>
internal static class UnicodeData
{
    public const int MaxCodepoint = 0x10FFFF;

    // Code points assigned in Unicode 16.0 (inclusive ranges): undefined for llama.cpp, assigned for .NET 10.
    private static readonly (int First, int Last)[] AssignedInUnicode16 =
    [
        (0x00897, 0x00897), (0x01B4E, 0x01B4F), (0x01B7F, 0x01B7F), (0x01C89, 0x01C8A), (0x02427, 0x02429),
        (0x031E4, 0x031E5), (0x0A7CB, 0x0A7CD), (0x0A7DA, 0x0A7DC), (0x105C0, 0x105F3), (0x10D40, 0x10D65),
        (0x10D69, 0x10D85), (0x10D8E, 0x10D8F), (0x10EC2, 0x10EC4), (0x10EFC, 0x10EFC), (0x11380, 0x11389),
        (0x1138B, 0x1138B), (0x1138E, 0x1138E), (0x11390, 0x113B5), (0x113B7, 0x113C0), (0x113C2, 0x113C2),
        (0x113C5, 0x113C5), (0x113C7, 0x113CA), (0x113CC, 0x113D5), (0x113D7, 0x113D8), (0x113E1, 0x113E2),
        (0x116D0, 0x116E3), (0x11BC0, 0x11BE1), (0x11BF0, 0x11BF9), (0x11F5A, 0x11F5A), (0x13460, 0x143FA),
        (0x16100, 0x16139), (0x16D40, 0x16D79), (0x18CFF, 0x18CFF), (0x1CC00, 0x1CCF9), (0x1CD00, 0x1CEB3),
        (0x1E5D0, 0x1E5FA), (0x1E5FF, 0x1E5FF), (0x1F8B2, 0x1F8BB), (0x1F8C0, 0x1F8C1), (0x1FA89, 0x1FA89),
        (0x1FA8F, 0x1FA8F), (0x1FABE, 0x1FABE), (0x1FAC6, 0x1FAC6), (0x1FADC, 0x1FADC), (0x1FADF, 0x1FADF),
        (0x1FAE9, 0x1FAE9), (0x1FBCB, 0x1FBEF),
    ];

    // Basic multilingual plane, computed once: the category in the low byte, bit 8 = whitespace.
    private static readonly ushort[] Bmp = BuildBmp();

    private const ushort WhitespaceBit = 0x100;

    /// <summary>The category of <paramref name="cp"/>; <see cref="CodepointCategory.None"/> beyond U+10FFFF (llama.cpp's out-of-range value).</summary>
    public static CodepointCategory Category(int cp)
    {
        if ((uint)cp < 0x10000) return (CodepointCategory)(Bmp[cp] & 0xFF);
        if (cp > MaxCodepoint) return CodepointCategory.None;
        return Compute(cp);
    }

    /// <summary>llama.cpp's whitespace set: Unicode White_Space (U+0009..U+000D, space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).</summary>
    public static bool IsWhitespace(int cp) => (uint)cp < 0x10000 && (Bmp[cp] & WhitespaceBit) != 0;

    public static bool IsLetter(int cp) => Category(cp) == CodepointCategory.Letter;

    public static bool IsNumber(int cp) => Category(cp) == CodepointCategory.Number;

    /// <summary>Simple lower-case mapping as llama.cpp's <c>unicode_tolower</c> does it.</summary>
    public static int ToLower(int cp)
    {
        if (cp < 0x80) return cp is >= 'A' and <= 'Z' ? cp + 32 : cp;
        if (cp == 0x130) return 'i'; // .NET's invariant casing keeps U+0130; UnicodeData.txt (and llama.cpp) map it to 'i'.
        if (cp > MaxCodepoint || cp is >= 0xD800 and <= 0xDFFF) return cp;
        return Rune.ToLowerInvariant(new Rune(cp)).Value;
    }

    /// <summary>
    /// The first code point of the canonical decomposition (llama.cpp's <c>unicode_cpts_normalize_nfd</c> keeps only
    /// that one), from <see cref="NfdTable"/>: .NET cannot normalize in globalization-invariant mode.
    /// </summary>
    public static int NfdFirst(int cp)
    {
        if (cp < 0xC0) return cp;
        var ranges = NfdTable.Ranges;
        int lo = 0, hi = ranges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[3 * mid]) hi = mid - 1;
            else if (cp > ranges[3 * mid + 1]) lo = mid + 1;
            else return ranges[3 * mid + 2];
        }
        return cp;
    }

    private static ushort[] BuildBmp()
    {
        var table = new ushort[0x10000];
        for (int cp = 0; cp < table.Length; cp++) table[cp] = (ushort)Compute(cp);
        foreach (var cp in new[] { 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 }) table[cp] |= WhitespaceBit;
        for (int cp = 0x9; cp <= 0xD; cp++) table[cp] |= WhitespaceBit;
        for (int cp = 0x2000; cp <= 0x200A; cp++) table[cp] |= WhitespaceBit;
        table[' '] |= WhitespaceBit;
        return table;
    }

    private static CodepointCategory Compute(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF) return CodepointCategory.Control; // surrogates are Cs
        var category = CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointCategory.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CodepointCategory.Number,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => CodepointCategory.Separator,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => CodepointCategory.Mark,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation => CodepointCategory.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodepointCategory.Symbol,
            UnicodeCategory.OtherNotAssigned => CodepointCategory.Undefined,
            _ => CodepointCategory.Control,
        };
        if (category != CodepointCategory.Undefined && IsAssignedInUnicode16(cp)) return CodepointCategory.Undefined;
        return category;
    }

    private static bool IsAssignedInUnicode16(int cp)
    {
        int lo = 0, hi = AssignedInUnicode16.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var (first, last) = AssignedInUnicode16[mid];
            if (cp < first) hi = mid - 1;
            else if (cp > last) lo = mid + 1;
            else return true;
        }
        return false;
    }
}
