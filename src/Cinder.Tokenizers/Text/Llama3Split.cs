namespace Cinder.Tokenizers.Text;

/// <summary>
/// The Llama 3 regex <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>,
/// hand-coded as llama.cpp hand-codes it (<c>unicode_regex_split_custom_llama3</c>), quirks included (for example
/// the punctuation branch tests the first code point's class, not the one after an optional space).
/// </summary>
internal sealed class Llama3Split : SplitStep
{
    public static readonly Llama3Split Instance = new();

    public override void Split(SplitContext context, List<int> input, List<int> output)
    {
        var cps = context.Codepoints;
        int start = 0;
        foreach (int length in input)
        {
            var scan = new Scanner(cps, start, start + length, output);
            scan.Run();
            start += length;
        }
    }

    private ref struct Scanner
    {
        private readonly int[] cps;
        private readonly int begin;
        private readonly int end;
        private readonly List<int> output;
        private int _previousEnd;

        public Scanner(int[] cps, int begin, int end, List<int> output)
        {
            this.cps = cps;
            this.begin = begin;
            this.end = end;
            this.output = output;
            _previousEnd = begin;
        }

        private readonly int Cp(int pos) => pos >= begin && pos < end ? cps[pos] : -1;

        private readonly CharClass Class(int pos) => pos >= begin && pos < end ? CharClass.Of(cps[pos]) : CharClass.OutOfRange;

        private int Emit(int until)
        {
            int length = until - _previousEnd;
            if (length > 0) output.Add(length);
            _previousEnd = until;
            return length;
        }

        public void Run()
        {
            for (int pos = begin; pos < end;)
            {
                int cp = Cp(pos);
                var cls = Class(pos);

                // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                if (cp == '\'' && pos + 1 < end)
                {
                    int next = UnicodeData.ToLower(Cp(pos + 1));
                    if (next is 's' or 't' or 'm' or 'd')
                    {
                        pos += Emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end)
                    {
                        int next2 = UnicodeData.ToLower(Cp(pos + 2));
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l'))
                        {
                            pos += Emit(pos + 3);
                            continue;
                        }
                    }
                }

                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cp == '\r' || cp == '\n' || cls.IsNumber))
                {
                    if (cls.IsLetter || Class(pos + 1).IsLetter)
                    {
                        pos++;
                        while (Class(pos).IsLetter) pos++;
                        Emit(pos);
                        continue;
                    }
                }

                // \p{N}{1,3}
                if (cls.IsNumber)
                {
                    int first = pos;
                    while (Class(pos).IsNumber)
                    {
                        if (++pos - first >= 3)
                        {
                            Emit(pos);
                            first = pos;
                        }
                    }
                    Emit(pos);
                    continue;
                }

                // <space>?[^\s\p{L}\p{N}]+[\r\n]*
                var cls2 = cp == ' ' ? Class(pos + 1) : cls;
                if (!(cls2.IsWhitespace || cls2.IsLetter || cls2.IsNumber) && cls.IsInRange)
                {
                    if (cp == ' ') pos++;
                    while (cls2.IsOther) cls2 = Class(++pos);
                    int cp2 = Cp(pos);
                    while (cp2 is '\r' or '\n') cp2 = Cp(++pos);
                    Emit(pos);
                    continue;
                }

                int whitespace = 0, lastNewlineEnd = 0;
                while (Class(pos + whitespace).IsWhitespace)
                {
                    int cp2 = Cp(pos + whitespace);
                    if (cp2 is '\r' or '\n') lastNewlineEnd = pos + whitespace + 1;
                    whitespace++;
                }
                // \s*[\r\n]+
                if (lastNewlineEnd > 0)
                {
                    pos = lastNewlineEnd;
                    Emit(pos);
                    continue;
                }
                // \s+(?!\S)
                if (whitespace > 1 && Cp(pos + whitespace) != -1)
                {
                    pos += whitespace - 1;
                    Emit(pos);
                    continue;
                }
                // \s+
                if (whitespace > 0)
                {
                    pos += whitespace;
                    Emit(pos);
                    continue;
                }
                Emit(++pos);
            }
        }
    }
}
