using System.Globalization;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Python's string semantics where they differ from .NET's: whitespace is Python's <c>str.isspace</c> set, lengths and
/// indices count code points (a surrogate pair is one character), <c>title</c>/<c>capitalize</c>/<c>splitlines</c>
/// follow CPython.
/// </summary>
internal static class PyText
{
    public static readonly char[] WhitespaceChars =
    [
        '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\x85', '\xa0', '\u1680',
        '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
        '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
    ];

    public static bool IsWhitespace(char c) => c switch
    {
        ' ' or '\t' or '\n' or '\v' or '\f' or '\r' => true,
        < '\x1c' => false,
        <= '\x1f' => true,
        < '\x85' => false,
        _ => Array.IndexOf(WhitespaceChars, c) >= 0,
    };

    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>Number of code points, as Python's <c>len(str)</c>.</summary>
    public static int Length(string s)
    {
        if (!HasSurrogates(s)) return s.Length;
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            n++;
        }
        return n;
    }

    /// <summary>The string split into code points, each as a string (one or two UTF-16 units).</summary>
    public static List<string> CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(s.Substring(i, 2));
                i++;
            }
            else
            {
                result.Add(s[i].ToString());
            }
        }
        return result;
    }

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        var start = 0;
        var end = s.Length;
        Func<char, bool> strip = chars is null ? IsWhitespace : c => chars.Contains(c);
        if (left) while (start < end && strip(s[start])) start++;
        if (right) while (end > start && strip(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary>Python <c>str.split(sep=None, maxsplit=-1)</c>.</summary>
    public static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsWhitespace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(Strip(s[i..], null, false, true));
                    break;
                }
                var start = i;
                while (i < s.Length && !IsWhitespace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (sep.Length == 0) throw new RenderError("empty separator");
        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = s.IndexOf(sep, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[from..at]);
            from = at + sep.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    /// <summary>Python <c>str.rsplit(sep=None, maxsplit=-1)</c>.</summary>
    public static List<object?> RSplit(string s, string? sep, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, sep, -1);
        var parts = new List<object?>();
        if (sep is null)
        {
            var i = s.Length;
            while (true)
            {
                while (i > 0 && IsWhitespace(s[i - 1])) i--;
                if (i <= 0) break;
                if (parts.Count == maxSplit)
                {
                    parts.Add(Strip(s[..i], null, true, false));
                    break;
                }
                var end = i;
                while (i > 0 && !IsWhitespace(s[i - 1])) i--;
                parts.Add(s[i..end]);
            }
            parts.Reverse();
            return parts;
        }
        if (sep.Length == 0) throw new RenderError("empty separator");
        var to = s.Length;
        while (parts.Count < maxSplit)
        {
            var at = to - sep.Length < 0 ? -1 : s.LastIndexOf(sep, to - 1, to, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[(at + sep.Length)..to]);
            to = at;
        }
        parts.Add(s[..to]);
        parts.Reverse();
        return parts;
    }

    /// <summary>Python <c>str.splitlines()</c> (keepends false).</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
                start = i;
            }
            else
            {
                i++;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    /// <summary>Python <c>str.title()</c>: a cased character after an uncased one is upper-cased, the rest lower-cased.</summary>
    public static string TitleMethod(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var rune in s.EnumerateRunes())
        {
            var cased = Rune.IsLetter(rune) && (Rune.IsUpper(rune) || Rune.IsLower(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.TitlecaseLetter);
            sb.Append((previousCased ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune)).ToString());
            previousCased = cased;
        }
        return sb.ToString();
    }

    /// <summary>Jinja's <c>title</c> filter: words start after whitespace, '-', or an opening bracket.</summary>
    public static string TitleFilter(string s)
    {
        var sb = new StringBuilder(s.Length);
        var atWordStart = true;
        foreach (var rune in s.EnumerateRunes())
        {
            var isSeparator = rune.IsBmp && (IsWhitespace((char)rune.Value) || rune.Value is '-' or '(' or '{' or '[' or '<');
            if (isSeparator)
            {
                sb.Append(rune.ToString());
                atWordStart = true;
                continue;
            }
            sb.Append((atWordStart ? Rune.ToUpperInvariant(rune) : Rune.ToLowerInvariant(rune)).ToString());
            atWordStart = false;
        }
        return sb.ToString();
    }

    /// <summary>Python <c>str.capitalize()</c>: first character upper-cased, the rest lower-cased.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var sb = new StringBuilder(s.Length);
        var first = true;
        foreach (var rune in s.EnumerateRunes())
        {
            sb.Append((first ? Rune.ToUpperInvariant(rune) : Rune.ToLowerInvariant(rune)).ToString());
            first = false;
        }
        return sb.ToString();
    }

    /// <summary>Python <c>str.replace(old, new, count=-1)</c>, including the empty-<paramref name="old"/> case.</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count == 0) return s;
        var sb = new StringBuilder();
        if (old.Length == 0)
        {
            var points = CodePoints(s);
            var done = 0L;
            for (var i = 0; i <= points.Count; i++)
            {
                if (count < 0 || done < count) { sb.Append(replacement); done++; }
                if (i < points.Count) sb.Append(points[i]);
            }
            return sb.ToString();
        }
        var from = 0;
        var replaced = 0L;
        while (count < 0 || replaced < count)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
            replaced++;
        }
        sb.Append(s, from, s.Length - from);
        return sb.ToString();
    }

    /// <summary>Code point order, as Python compares strings.</summary>
    public static int CompareOrdinalCodePoints(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x == y) continue;
            // UTF-16 order differs from code point order only when a surrogate meets a unit at or above U+E000.
            var xs = char.IsSurrogate(x);
            var ys = char.IsSurrogate(y);
            if (xs != ys) return xs ? (y >= '\uE000' ? 1 : x - y) : (x >= '\uE000' ? -1 : x - y);
            return x - y;
        }
        return a.Length - b.Length;
    }
}
