namespace Cinder.Tokenizers.Text;

/// <summary>
/// <c>\s?[CLASS]+</c> for a character class that reaches beyond the basic plane (DeepSeek LLM's cased letters), which
/// the single-char views cannot express: scanned directly, with the same leftmost-first result as std::wregex.
/// </summary>
internal sealed class ClassRunSplit : SplitStep
{
    private readonly (int First, int Last)[] _ranges;

    /// <param name="ranges">The class as sorted inclusive code point ranges.</param>
    public ClassRunSplit((int First, int Last)[] ranges) => _ranges = ranges;

    public override void Split(SplitContext context, List<int> input, List<int> output)
    {
        var cps = context.Codepoints;
        var wide = context.Wide; // whitespace as std::wregex's \s sees it
        int start = 0;
        foreach (int length in input)
        {
            int end = start + length, previousEnd = start;
            for (int pos = start; pos < end;)
            {
                int matchStart = pos, run = pos;
                if (IsSpace(wide[pos]) && pos + 1 < end && Contains(cps[pos + 1])) run = pos + 1;
                else if (!Contains(cps[pos]))
                {
                    pos++;
                    continue;
                }
                while (run < end && Contains(cps[run])) run++;
                if (matchStart > previousEnd) output.Add(matchStart - previousEnd);
                output.Add(run - matchStart);
                previousEnd = pos = run;
            }
            if (previousEnd < end) output.Add(end - previousEnd);
            start = end;
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private bool Contains(int cp)
    {
        if (cp is '\t' or '\n' or '\v' or '\f' or '\r' or ' ' || (cp > 0x7F && UnicodeData.IsWhitespace(cp))) return false; // U+000B in the wide view
        foreach (var (first, last) in _ranges) if (cp >= first && cp <= last) return true;
        return false;
    }
}
