using System.Text;

namespace Cinder.Tokenizers.Tests;

/// <summary>
/// Seeded random strings that stress a tokenizer: mixed scripts, emoji sequences, whitespace runs of every kind,
/// digits, punctuation and contractions, special-token texts of the vocabulary (whole and cut), vocabulary pieces,
/// and random Unicode scalar values (assigned or not, including ones new in Unicode 16), never a lone surrogate.
/// </summary>
internal sealed class RandomText
{
    private static readonly string[] Words =
    [
        "Hello", "world", "the", "The", "tokenizer", "LLaMA", "GPT", "café", "naïve", "Führer", "straße", "İstanbul", "ǅemal",
        "Привет", "мир", "Καλημέρα", "ᾅδης", "\u1FD3", "\u0390", "\u2126", "\u03A9", "\u212A", "\u1FBE", "\u1F7D", "\u1FDB", // singletons that NFC would fold away
        "مرحبا", "שלום", "नमस्ते", "क्षत्रिय", "สวัสดี", "你好", "世界", "日本語",
        "カタカナ", "ｶﾀｶﾅ", "한국어", "ＡＢＣ", "１２３", "！？", "ﬁnance", "e\u0301", "a\u0308o\u0308", "Ǆ", "ℌ", "𝔘𝔫𝔦", "𐐀𐐨", "𞤀𞤢",
        "Ⅻ", "½", "①", "٣٤", "३", "²", "x²", "µs", "Å", "Å", "ǈ", "ᏸ", "Ჾ", "ꭰ", "ア", "ㄱ", "𠀋", "𪚥", "Cửa", "Việt",
    ];

    private static readonly string[] Emoji =
    [
        "😀", "🦙", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🤷‍♀️", "🧑🏿‍🚀", "☕", "🔥", "🫠", "0️⃣", "🏳️‍🌈", "✅",
    ];

    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "'VE", "'D", "'x", "'"];

    private static readonly char[] Spaces =
    [
        ' ', ' ', ' ', '\t', '\n', '\n', '\r', '\v', '\f', '\u00A0', '\u3000', '\u2003', '\u2009', '\u0085', '\u1680', '\u2028', '\u200B', '\u202F', '\u205F',
    ];

    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…—–«»“”‘’¡¿·•§¶©®™°±×÷€£¥₹₿";

    private readonly Random _random;
    private readonly string[] _specials;
    private readonly string[] _pieces;

    public RandomText(int seed, Tokenizer tokenizer)
    {
        _random = new Random(seed);
        var vocab = tokenizer.Vocabulary;
        _specials = Enumerable.Range(0, vocab.Count)
            .Where(id => (vocab.Attributes(id) & (TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown)) != 0)
            .Select(vocab.Text).ToArray();
        // rendered text of ordinary tokens: plausible words in the vocabulary's own style
        _pieces = Enumerable.Range(0, Math.Min(vocab.Count, 60000))
            .Where(id => vocab.Has(id, TokenAttributes.Normal))
            .Select(id => tokenizer.TokenPiece(id))
            .Where(p => !p.Contains('\uFFFD'))
            .ToArray();
    }

    public string Next()
    {
        var sb = new StringBuilder();
        int segments = _random.Next(1, 24);
        for (int i = 0; i < segments; i++)
        {
            if (_random.Next(4) == 0) sb.Append(' ');
            AppendSegment(sb);
        }
        return sb.ToString();
    }

    private void AppendSegment(StringBuilder sb)
    {
        switch (_random.Next(18))
        {
            case 0: case 1: sb.Append(Pick(Words)); break;
            case 2: for (int k = _random.Next(1, 9); k > 0; k--) sb.Append((char)(_random.Next(2) == 0 ? 'a' + _random.Next(26) : 'A' + _random.Next(26))); break;
            case 3: for (int k = _random.Next(1, 12); k > 0; k--) sb.Append((char)('0' + _random.Next(10))); break;
            case 4: for (int k = _random.Next(1, 5); k > 0; k--) sb.Append(Punctuation[_random.Next(Punctuation.Length)]); break;
            case 5: sb.Append(Pick(Contractions)); break;
            case 6: case 7: for (int k = _random.Next(1, 7); k > 0; k--) sb.Append(Spaces[_random.Next(Spaces.Length)]); break;
            case 8: sb.Append(Pick(Emoji)); break;
            case 9:
                if (_specials.Length > 0)
                {
                    var special = Pick(_specials);
                    // whole, or cut short, or with its first character repeated
                    sb.Append(_random.Next(3) switch { 0 => special, 1 => special[..Math.Max(1, _random.Next(special.Length))], _ => special[0] + special });
                }
                break;
            case 10: case 11: if (_pieces.Length > 0) sb.Append(Pick(_pieces)); break;
            case 12: sb.Append(char.ConvertFromUtf32(RandomScalar())); break;
            case 13: for (int k = _random.Next(1, 4); k > 0; k--) sb.Append(char.ConvertFromUtf32(RandomScalar())); break;
            case 14: sb.Append(char.ConvertFromUtf32(Pick(new[] { 0x0897, 0x1C89, 0x1C8A, 0xA7CB, 0x10D40, 0x10D4A, 0x1FAE9, 0x0378, 0xE000, 0xFFFE, 0x10FFFF, 0x0000, 0x001F, 0x007F, 0x00AD, 0x0130 }))); break;
            case 15: sb.Append(Pick(Words)).Append(Pick(Contractions)); break;
            case 16: sb.Append(' ', _random.Next(2, 40)); break; // long space runs (MPT has tokens for up to 24 spaces)
            default: for (int k = _random.Next(1, 30); k > 0; k--) sb.Append((char)('0' + _random.Next(10))); break;
        }
    }

    private int RandomScalar()
    {
        while (true)
        {
            int cp = _random.Next(4) switch
            {
                0 => _random.Next(0x80, 0x800),
                1 => _random.Next(0x800, 0x10000),
                2 => _random.Next(0x10000, 0x30000),
                _ => _random.Next(0, 0x110000),
            };
            if (cp is < 0xD800 or > 0xDFFF) return cp;
        }
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
