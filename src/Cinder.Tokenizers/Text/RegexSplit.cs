using System.Text;
using System.Text.RegularExpressions;

namespace Cinder.Tokenizers.Text;

/// <summary>
/// A pre-tokenizer regex that llama.cpp runs through std::regex rather than a hand-coded scanner, reproduced with
/// .NET's backtracking engine on the same one-character-per-code-point view llama.cpp matches against: patterns with
/// <c>\p{..}</c> run on the collapsed text with each class rewritten to its marker plus its ASCII members (llama.cpp's
/// own rewrite), the others on the wide view. <see cref="RegexOptions.ECMAScript"/> keeps <c>\s</c> to the six ASCII
/// whitespace characters, as in C++'s "C" locale.
/// </summary>
internal sealed class RegexSplit : SplitStep
{
    private readonly Regex _regex;
    private readonly bool _collapsed;

    private RegexSplit(Regex regex, bool collapsed)
    {
        _regex = regex;
        _collapsed = collapsed;
    }

    /// <summary>A regex written as llama.cpp writes it, with <c>\p{N}</c>, <c>\p{L}</c>, <c>\p{P}</c>, <c>\p{M}</c>, <c>\p{S}</c> and ASCII otherwise.</summary>
    public static RegexSplit OnCollapsed(string llamaPattern) =>
        new(new Regex(Collapse(llamaPattern), RegexOptions.ECMAScript), collapsed: true);

    /// <summary>A .NET pattern over basic-plane code points, for llama.cpp regexes without <c>\p{..}</c> classes.</summary>
    public static RegexSplit OnWide(string netPattern) => new(new Regex(netPattern, RegexOptions.ECMAScript), collapsed: false);

    public override void Split(SplitContext context, List<int> input, List<int> output)
    {
        ReadOnlySpan<char> text = _collapsed ? context.Collapsed : context.Wide;
        int start = 0;
        foreach (int length in input)
        {
            int previousEnd = 0;
            foreach (var match in _regex.EnumerateMatches(text.Slice(start, length)))
            {
                if (match.Length == 0) continue;
                if (match.Index > previousEnd) output.Add(match.Index - previousEnd);
                output.Add(match.Length);
                previousEnd = match.Index + match.Length;
            }
            if (previousEnd < length) output.Add(length - previousEnd);
            start += length;
        }
    }

    // llama.cpp's k_ucat_cpt / k_ucat_map: the marker of each class and the ASCII characters it contains.
    private static (string Marker, string Ascii)? ClassOf(string name) => name switch
    {
        @"\p{N}" => (@"\u00D1", "0-9"),
        @"\p{L}" or @"\p{Lu}" or @"\p{Ll}" or @"\p{Lt}" or @"\p{Lm}" or @"\p{Lo}" => (@"\u00D2", "A-Za-z"),
        @"\p{P}" => (@"\u00D3", @"!-#%-*,-/:-;?-@\[-\]_\{\}"),
        @"\p{M}" => (@"\u00D4", ""),
        @"\p{S}" => (@"\u00D5", @"\$\+<->\^`\|"), // llama.cpp's list has no '~'
        _ => null,
    };

    /// <summary>llama.cpp's rewrite of a pattern for the collapsed text (<c>unicode_regex_split</c>).</summary>
    internal static string Collapse(string pattern)
    {
        var result = new StringBuilder();
        bool inside = false; // within [...]
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '[' && (i == 0 || pattern[i - 1] != '\\'))
            {
                result.Append('[');
                inside = true;
                continue;
            }
            if (inside && pattern[i] == ']' && pattern[i - 1] != '\\')
            {
                result.Append(']');
                inside = false;
                continue;
            }
            if (pattern[i] == '\\' && i + 3 < pattern.Length && pattern[i + 1] == 'p' && pattern[i + 2] == '{')
            {
                int close = pattern.IndexOf('}', i + 3);
                if (close >= 0 && close <= i + 10 && ClassOf(pattern[i..(close + 1)]) is { } cls)
                {
                    if (!inside) result.Append('[');
                    result.Append(cls.Marker).Append(cls.Ascii);
                    if (!inside) result.Append(']');
                    i = close;
                    continue;
                }
            }
            result.Append(pattern[i]);
        }
        return result.ToString();
    }
}
