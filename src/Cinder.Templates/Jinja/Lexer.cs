using System.Globalization;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Splits a template into tokens the way Jinja does with the environment Hugging Face transformers uses for chat
/// templates: trim_blocks and lstrip_blocks on, <c>{%- -%}</c> style whitespace control, newlines normalized to
/// <c>\n</c> and a single trailing newline dropped.
/// </summary>
internal sealed class Lexer
{
    private readonly string _src;
    private readonly SourceMap _map;
    private readonly string? _name;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private Lexer(string normalized, SourceMap map, string? name)
    {
        _src = normalized;
        _map = map;
        _name = name;
    }

    /// <summary>Newlines become <c>\n</c> and one trailing newline is dropped, as Jinja's lexer does.</summary>
    public static string Normalize(string source)
    {
        var text = source.Contains('\r') ? source.Replace("\r\n", "\n").Replace('\r', '\n') : source;
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    public static List<Token> Tokenize(string normalized, SourceMap map, string? name)
    {
        var lexer = new Lexer(normalized, map, name);
        lexer.Run();
        return lexer._tokens;
    }

    private TemplateSyntaxException Error(string problem, int offset)
    {
        var (line, column) = _map.Locate(offset);
        return new TemplateSyntaxException(problem, line, column, _name);
    }

    private void Run()
    {
        var src = _src;
        while (_pos < src.Length)
        {
            var tag = FindTagStart(_pos);
            if (tag < 0)
            {
                _tokens.Add(new Token(TokenKind.Text, src[_pos..], _pos));
                _pos = src.Length;
                break;
            }

            var kind = src[tag + 1];
            var modifier = tag + 2 < src.Length ? src[tag + 2] : '\0';
            var text = src[_pos..tag];
            if (modifier == '-')
            {
                text = TrimEndWhitespace(text);
            }
            else if (kind != '{' && modifier != '+')
            {
                // lstrip_blocks: spaces and tabs between the start of a line and a block or comment tag go.
                var j = text.Length;
                while (j > 0 && (text[j - 1] == ' ' || text[j - 1] == '\t')) j--;
                var atLineStart = j > 0 ? text[j - 1] == '\n' : _pos == 0 || src[_pos - 1] == '\n';
                if (atLineStart) text = text[..j];
            }
            if (text.Length > 0) _tokens.Add(new Token(TokenKind.Text, text, _pos));

            var bodyStart = tag + 2 + (modifier is '-' or '+' ? 1 : 0);
            switch (kind)
            {
                case '#':
                    LexComment(tag, bodyStart);
                    break;
                case '%' when TryLexRaw(tag, bodyStart):
                    break;
                case '%':
                    _tokens.Add(new Token(TokenKind.BlockBegin, "{%", tag));
                    LexInside(bodyStart, block: true, tag);
                    break;
                default:
                    _tokens.Add(new Token(TokenKind.VarBegin, "{{", tag));
                    LexInside(bodyStart, block: false, tag);
                    break;
            }
        }
        _tokens.Add(new Token(TokenKind.Eof, "", src.Length));
    }

    private int FindTagStart(int from)
    {
        var src = _src;
        for (var i = src.IndexOf('{', from); i >= 0 && i + 1 < src.Length; i = src.IndexOf('{', i + 1))
        {
            var next = src[i + 1];
            if (next is '{' or '%' or '#') return i;
        }
        return -1;
    }

    private void LexComment(int tag, int bodyStart)
    {
        var end = _src.IndexOf("#}", bodyStart, StringComparison.Ordinal);
        if (end < 0) throw Error("comment is not closed: missing '#}'", tag);
        var stripAfter = end > bodyStart && _src[end - 1] == '-';
        _pos = end + 2;
        AfterBlockEnd(stripAfter);
    }

    /// <summary>After a block or comment tag: <c>-%}</c> strips all whitespace, otherwise trim_blocks drops one newline.</summary>
    private void AfterBlockEnd(bool stripAll)
    {
        if (stripAll) SkipWhitespace();
        else if (_pos < _src.Length && _src[_pos] == '\n') _pos++;
    }

    private void SkipWhitespace()
    {
        while (_pos < _src.Length && PyText.IsWhitespace(_src[_pos])) _pos++;
    }

    private bool TryLexRaw(int tag, int bodyStart)
    {
        var p = SkipSpaces(bodyStart);
        if (string.CompareOrdinal(_src, p, "raw", 0, 3) != 0) return false;
        p += 3;
        if (p < _src.Length && (char.IsLetterOrDigit(_src[p]) || _src[p] == '_')) return false;
        p = SkipSpaces(p);
        var stripInner = false;
        if (p < _src.Length && _src[p] == '-') { stripInner = true; p++; }
        if (string.CompareOrdinal(_src, p, "%}", 0, 2) != 0) throw Error("expected '%}' after 'raw'", p);
        var contentStart = p + 2;

        for (var search = contentStart; ;)
        {
            var open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw Error("'raw' block is not closed: missing '{% endraw %}'", tag);
            var q = open + 2;
            var stripBefore = q < _src.Length && _src[q] == '-';
            if (stripBefore || (q < _src.Length && _src[q] == '+')) q++;
            q = SkipSpaces(q);
            if (string.CompareOrdinal(_src, q, "endraw", 0, 6) != 0) { search = open + 2; continue; }
            q = SkipSpaces(q + 6);
            var stripAfter = q < _src.Length && _src[q] == '-';
            if (stripAfter) q++;
            if (string.CompareOrdinal(_src, q, "%}", 0, 2) != 0) throw Error("expected '%}' after 'endraw'", q);

            var content = _src[contentStart..open];
            if (stripInner) content = content.TrimStart(PyText.WhitespaceChars);
            if (stripBefore) content = TrimEndWhitespace(content);
            if (content.Length > 0) _tokens.Add(new Token(TokenKind.Text, content, contentStart));
            _pos = q + 2;
            AfterBlockEnd(stripAfter);
            return true;
        }
    }

    private int SkipSpaces(int p)
    {
        while (p < _src.Length && PyText.IsWhitespace(_src[p])) p++;
        return p;
    }

    private static string TrimEndWhitespace(string text)
    {
        var j = text.Length;
        while (j > 0 && PyText.IsWhitespace(text[j - 1])) j--;
        return text[..j];
    }

    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    private void LexInside(int start, bool block, int tag)
    {
        var src = _src;
        var p = start;
        var balance = 0;
        var endText = block ? "%}" : "}}";
        while (true)
        {
            while (p < src.Length && PyText.IsWhitespace(src[p])) p++;
            if (p >= src.Length)
            {
                throw Error(block ? "block tag is not closed: missing '%}'" : "expression is not closed: missing '}}'", tag);
            }

            if (balance == 0)
            {
                if (src[p] == '-' && string.CompareOrdinal(src, p + 1, endText, 0, 2) == 0)
                {
                    _tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VarEnd, endText, p));
                    _pos = p + 3;
                    SkipWhitespace();
                    return;
                }
                if (string.CompareOrdinal(src, p, endText, 0, 2) == 0)
                {
                    _tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VarEnd, endText, p));
                    _pos = p + 2;
                    if (block) AfterBlockEnd(stripAll: false);
                    return;
                }
            }

            var c = src[p];
            if (c == '\'' || c == '"')
            {
                p = LexString(p);
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                p = LexNumber(p);
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var s = p;
                while (p < src.Length && (char.IsLetterOrDigit(src[p]) || src[p] == '_')) p++;
                _tokens.Add(new Token(TokenKind.Name, src[s..p], s));
                continue;
            }

            string? op = null;
            foreach (var candidate in Operators)
            {
                if (string.CompareOrdinal(src, p, candidate, 0, candidate.Length) == 0) { op = candidate; break; }
            }
            if (op is null) throw Error($"unexpected character '{c}'", p);
            if (op is "(" or "[" or "{") balance++;
            else if (op is ")" or "]" or "}")
            {
                if (balance == 0) throw Error($"unexpected '{op}'", p);
                balance--;
            }
            _tokens.Add(new Token(TokenKind.Operator, op, p));
            p += op.Length;
        }
    }

    private int LexString(int start)
    {
        var src = _src;
        var quote = src[start];
        var sb = new StringBuilder();
        var p = start + 1;
        while (true)
        {
            if (p >= src.Length) throw Error("string literal is not closed", start);
            var c = src[p];
            if (c == quote) break;
            if (c != '\\')
            {
                sb.Append(c);
                p++;
                continue;
            }
            if (p + 1 >= src.Length) throw Error("string literal is not closed", start);
            p = DecodeEscape(p, sb);
        }
        _tokens.Add(new Token(TokenKind.String, sb.ToString(), start));
        return p + 1;
    }

    /// <summary>Python's unicode-escape rules, which Jinja applies to string literals; unknown escapes stay as written.</summary>
    private int DecodeEscape(int p, StringBuilder sb)
    {
        var src = _src;
        var e = src[p + 1];
        switch (e)
        {
            case '\n': return p + 2;
            case '\\': sb.Append('\\'); return p + 2;
            case '\'': sb.Append('\''); return p + 2;
            case '"': sb.Append('"'); return p + 2;
            case 'a': sb.Append('\a'); return p + 2;
            case 'b': sb.Append('\b'); return p + 2;
            case 'f': sb.Append('\f'); return p + 2;
            case 'n': sb.Append('\n'); return p + 2;
            case 'r': sb.Append('\r'); return p + 2;
            case 't': sb.Append('\t'); return p + 2;
            case 'v': sb.Append('\v'); return p + 2;
            case 'x': return AppendHex(p, 2, sb);
            case 'u': return AppendHex(p, 4, sb);
            case 'U': return AppendHex(p, 8, sb);
            case >= '0' and <= '7':
            {
                var q = p + 1;
                var value = 0;
                while (q < src.Length && q < p + 4 && src[q] is >= '0' and <= '7') value = value * 8 + (src[q++] - '0');
                sb.Append((char)value);
                return q;
            }
            default:
                sb.Append('\\').Append(e);
                return p + 2;
        }
    }

    private int AppendHex(int p, int digits, StringBuilder sb)
    {
        var start = p + 2;
        if (start + digits > _src.Length
            || !int.TryParse(_src.AsSpan(start, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            || value > 0x10FFFF || (digits == 8 && value < 0))
        {
            throw Error($"invalid \\{_src[p + 1]} escape in string literal", p);
        }
        if (value is >= 0xD800 and <= 0xDFFF) sb.Append((char)value);
        else sb.Append(char.ConvertFromUtf32(value));
        return start + digits;
    }

    private int LexNumber(int start)
    {
        var src = _src;
        var p = start;
        if (src[p] == '0' && p + 1 < src.Length && src[p + 1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            var radix = char.ToLowerInvariant(src[p + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            p += 2;
            var digitsStart = p;
            while (p < src.Length && (char.IsAsciiHexDigit(src[p]) || src[p] == '_')) p++;
            var digits = src[digitsStart..p].Replace("_", "");
            long value = 0;
            try
            {
                foreach (var d in digits)
                {
                    var v = Convert.ToInt32(d.ToString(), 16);
                    if (v >= radix) throw Error($"invalid digit '{d}' in number literal", start);
                    value = checked(value * radix + v);
                }
            }
            catch (OverflowException)
            {
                throw Error("integer literal is too large", start);
            }
            if (digits.Length == 0) throw Error("invalid number literal", start);
            _tokens.Add(new Token(TokenKind.Integer, value.ToString(CultureInfo.InvariantCulture), start));
            return p;
        }

        p = SkipDigits(p);
        var isFloat = false;
        var precededByDot = start > 0 && src[start - 1] == '.';
        if (!precededByDot && p + 1 < src.Length && src[p] == '.' && char.IsAsciiDigit(src[p + 1]))
        {
            isFloat = true;
            p = SkipDigits(p + 1);
        }
        if (!precededByDot && p < src.Length && src[p] is 'e' or 'E')
        {
            var q = p + 1;
            if (q < src.Length && src[q] is '+' or '-') q++;
            if (q < src.Length && char.IsAsciiDigit(src[q]))
            {
                isFloat = true;
                p = SkipDigits(q);
            }
        }
        var text = src[start..p].Replace("_", "");
        _tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, start));
        return p;
    }

    private int SkipDigits(int p)
    {
        while (p < _src.Length && (char.IsAsciiDigit(_src[p]) || (_src[p] == '_' && p + 1 < _src.Length && char.IsAsciiDigit(_src[p + 1])))) p++;
        return p;
    }
}
