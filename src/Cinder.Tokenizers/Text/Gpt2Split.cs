namespace Cinder.Tokenizers.Text;

/// <summary>
/// The GPT-2 regex <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, hand-coded as
/// llama.cpp hand-codes it (<c>unicode_regex_split_custom_gpt2</c>) rather than run through a regex engine: .NET's
/// <c>\p{L}</c> follows .NET's Unicode version, and this scanner is the behaviour the vocabularies are tested against.
/// </summary>
internal sealed class Gpt2Split : SplitStep
{
    public static readonly Gpt2Split Instance = new();

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

                // 's|'t|'re|'ve|'m|'ll|'d
                if (cp == '\'' && pos + 1 < end)
                {
                    int next = Cp(pos + 1);
                    if (next is 's' or 't' or 'm' or 'd')
                    {
                        pos += Emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end)
                    {
                        int next2 = Cp(pos + 2);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l'))
                        {
                            pos += Emit(pos + 3);
                            continue;
                        }
                    }
                }

                var cls2 = cp == ' ' ? Class(pos + 1) : cls;
                // <space>?\p{L}+
                if (cls2.IsLetter)
                {
                    if (cp == ' ') pos++;
                    while (cls2.IsLetter) cls2 = Class(++pos);
                    Emit(pos);
                    continue;
                }
                // <space>?\p{N}+
                if (cls2.IsNumber)
                {
                    if (cp == ' ') pos++;
                    while (cls2.IsNumber) cls2 = Class(++pos);
                    Emit(pos);
                    continue;
                }
                // <space>?[^\s\p{L}\p{N}]+
                if (cls2.IsOther)
                {
                    if (cp == ' ') pos++;
                    while (cls2.IsOther) cls2 = Class(++pos);
                    Emit(pos);
                    continue;
                }

                int whitespace = 0;
                while (Class(pos + whitespace).IsWhitespace) whitespace++;
                // \s+(?!\S): leave the last space to start the next word
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
