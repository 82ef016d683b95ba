namespace Cinder.Tokenizers.Text;

/// <summary>
/// A byte-level BPE pre-tokenizer: llama.cpp's list of regexes for one <see cref="BpePreTokenizer"/>, applied in turn,
/// each splitting the pieces the previous one left. The result is word lengths in code points.
/// </summary>
internal sealed class BpeWordSplitter
{
    private readonly SplitStep[] _steps;

    private BpeWordSplitter(params SplitStep[] steps) => _steps = steps;

    public static BpeWordSplitter For(BpePreTokenizer kind) => kind switch
    {
        BpePreTokenizer.Default => new(
            RegexSplit.OnCollapsed(@"[\p{P}\$\+<=>\^~\|]+"),
            Gpt2Split.Instance,
            RegexSplit.OnCollapsed(@"\p{N}+"),
            RegexSplit.OnWide("[0-9][0-9][0-9]")),
        BpePreTokenizer.Gpt2 => new(Gpt2Split.Instance),
        BpePreTokenizer.Llama3 => new(Llama3Split.Instance),
        // not the Llama 3 string (single digits), so llama.cpp runs it through std::regex on the collapsed text
        BpePreTokenizer.Qwen2 => new(RegexSplit.OnCollapsed(
            @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")),
        BpePreTokenizer.Falcon => new(
            RegexSplit.OnCollapsed(@"[\p{P}\$\+<=>\^~\|`]+"),
            Gpt2Split.Instance,
            RegexSplit.OnWide("[0-9][0-9][0-9]")),
        BpePreTokenizer.StarCoder => new(
            RegexSplit.OnCollapsed(@"\p{N}"),
            Gpt2Split.Instance),
        BpePreTokenizer.DeepSeekLlm => new(
            RegexSplit.OnWide("[\r\n]"),
            new ClassRunSplit(CasedLetters),
            // \s?[!-/:-~！-／：-～‘-‟　-。]+
            RegexSplit.OnWide(@"\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+"),
            RegexSplit.OnWide(@"\s+$"),
            // [一-龥ࠀ-一가-퟿]+
            RegexSplit.OnWide(@"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+"),
            RegexSplit.OnCollapsed(@"\p{N}+")),
        BpePreTokenizer.DeepSeekCoder => new(
            RegexSplit.OnWide("[\r\n]"),
            RegexSplit.OnCollapsed(@"\s?\p{L}+"),
            RegexSplit.OnCollapsed(@"\s?\p{P}+"),
            RegexSplit.OnWide(@"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+"),
            RegexSplit.OnCollapsed(@"\p{N}")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown pre-tokenizer"),
    };

    /// <summary>Appends the lengths (in code points) of the words of <paramref name="context"/> to <paramref name="words"/>.</summary>
    public void Split(SplitContext context, List<int> words)
    {
        var current = new List<int> { context.Codepoints.Length };
        var next = new List<int>();
        foreach (var step in _steps)
        {
            next.Clear();
            step.Split(context, current, next);
            (current, next) = (next, current);
        }
        words.AddRange(current);
    }

    // DeepSeek LLM's letter class (cased letters: Lu, Ll, Lt), as inclusive code point ranges.
    private static readonly (int, int)[] CasedLetters =
    [
        (0x0041, 0x005A), (0x0061, 0x007A), (0x00B5, 0x00B5), (0x00C0, 0x00D6), (0x00D8, 0x00F6), (0x00F8, 0x01BA), (0x01BC, 0x01BF),
        (0x01C4, 0x0293), (0x0295, 0x02AF), (0x0370, 0x0373), (0x0376, 0x0377), (0x037B, 0x037D), (0x037F, 0x037F), (0x0386, 0x0386),
        (0x0388, 0x038A), (0x038C, 0x038C), (0x038E, 0x03A1), (0x03A3, 0x03F5), (0x03F7, 0x0481), (0x048A, 0x052F), (0x0531, 0x0556),
        (0x10A0, 0x10C5), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF), (0x1D00, 0x1D2B), (0x1D6B, 0x1D77),
        (0x1D79, 0x1D9A), (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59),
        (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4),
        (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2102, 0x2102),
        (0x2107, 0x2107), (0x210A, 0x2113), (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
        (0x212A, 0x212D), (0x212F, 0x2134), (0x2139, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149), (0x214E, 0x214E), (0x2183, 0x2184),
        (0x2C00, 0x2C7B), (0x2C7E, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF3), (0xA640, 0xA66D), (0xA680, 0xA69B), (0xA722, 0xA76F),
        (0xA771, 0xA787), (0xA78B, 0xA78E), (0xAB70, 0xABBF), (0xFB00, 0xFB06), (0xFB13, 0xFB17), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A),
        (0x10400, 0x1044F), (0x104B0, 0x104D3), (0x104D8, 0x104FB), (0x10C80, 0x10CB2), (0x10CC0, 0x10CF2), (0x118A0, 0x118DF),
        (0x1E900, 0x1E943),
    ];
}
