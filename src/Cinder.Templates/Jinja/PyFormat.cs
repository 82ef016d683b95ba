using System.Globalization;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Text forms of template values as Python prints them: <c>str()</c> (what <c>{{ }}</c> outputs), <c>repr()</c>
/// (inside lists and dicts) and <c>json.dumps</c> (the <c>tojson</c> filter as transformers defines it).
/// </summary>
internal static class PyFormat
{
    public static string Str(object? value) => value switch
    {
        string s => s,
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > 100) throw new RenderError("value is nested too deeply to print");
        switch (value)
        {
            case string s:
                AppendStringRepr(sb, s);
                break;
            case List<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, list[i], depth + 1);
                }
                sb.Append(']');
                break;
            case PyTuple tuple:
                sb.Append('(');
                for (var i = 0; i < tuple.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendRepr(sb, tuple[i], depth + 1);
                }
                if (tuple.Count == 1) sb.Append(',');
                sb.Append(')');
                break;
            case PyDict dict:
                AppendDictRepr(sb, dict, depth);
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendDictRepr(sb, ns.Attributes, depth);
                sb.Append('>');
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case RangeValue range:
                sb.Append(range.ToString());
                break;
            case ICallable callable:
                sb.Append("<function ").Append(callable.Name).Append('>');
                break;
            case LoopContext:
                sb.Append("<LoopContext>");
                break;
            default:
                sb.Append(Str(value));
                break;
        }
    }

    private static void AppendDictRepr(StringBuilder sb, PyDict dict, int depth)
    {
        sb.Append('{');
        var first = true;
        foreach (var (key, item) in dict)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, key, depth + 1);
            sb.Append(": ");
            AppendRepr(sb, item, depth + 1);
        }
        sb.Append('}');
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            var v = rune.Value;
            switch (v)
            {
                case '\\': sb.Append("\\\\"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
            }
            if (v == quote) { sb.Append('\\').Append(quote); continue; }
            if (IsPrintable(rune)) { sb.Append(rune.ToString()); continue; }
            if (v < 0x100) sb.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
            else if (v < 0x10000) sb.Append("\\u").Append(v.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    /// <summary>Python's <c>str.isprintable</c> for one character.</summary>
    private static bool IsPrintable(Rune rune)
    {
        if (rune.Value == ' ') return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>
    /// Python's <c>repr(float)</c>: the shortest digits that round-trip, fixed notation for decimal exponents
    /// -4 &lt;= e &lt; 16 (with ".0" on whole numbers), otherwise <c>1e+16</c> style.
    /// </summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        // "E16" is not shortest; "R" is, in one of two notations. Normalize it to digits and a decimal exponent.
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        if (negative) r = r[1..];
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot >= 0 ? r[..dot] : r;
        var fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        // value = 0.DIGITS * 10^decpt
        var decpt = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0)
            {
                sb.Append("0.").Append('0', -decpt).Append(digits);
            }
            else if (digits.Length <= decpt)
            {
                sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            var exp = decpt - 1;
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// <c>json.dumps(value, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sortKeys)</c>, the
    /// <c>tojson</c> filter transformers installs for chat templates (Jinja's own escapes HTML characters).
    /// </summary>
    public static string Json(object? value, string? indent, string itemSeparator, string keySeparator, bool sortKeys, RenderContext ctx)
    {
        var sb = new StringBuilder();
        AppendJson(sb, value, indent, itemSeparator, keySeparator, sortKeys, 0, ctx);
        return sb.ToString();
    }

    private static void AppendJson(StringBuilder sb, object? value, string? indent, string itemSep, string keySep, bool sortKeys, int level, RenderContext ctx)
    {
        if (level > 100) throw new RenderError("value is nested too deeply for tojson");
        if (sb.Length > ctx.Limits.MaxOutputLength) throw new LimitError($"tojson output exceeds the output limit of {ctx.Limits.MaxOutputLength} characters");
        switch (value)
        {
            case null: sb.Append("null"); return;
            case bool b: sb.Append(b ? "true" : "false"); return;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : FloatRepr(d));
                return;
            case string s: AppendJsonString(sb, s); return;
            case PyDict dict:
            {
                if (dict.Count == 0) { sb.Append("{}"); return; }
                var pairs = dict.ToList();
                if (sortKeys)
                {
                    ctx.Tick(pairs.Count);
                    pairs = [.. pairs.OrderBy(p => p.Key, PyComparer.Instance)];
                }
                sb.Append('{');
                for (var i = 0; i < pairs.Count; i++)
                {
                    if (i > 0) sb.Append(itemSep);
                    NewLine(sb, indent, level + 1);
                    AppendJsonString(sb, JsonKey(pairs[i].Key));
                    sb.Append(keySep);
                    AppendJson(sb, pairs[i].Value, indent, itemSep, keySep, sortKeys, level + 1, ctx);
                }
                NewLine(sb, indent, level);
                sb.Append('}');
                return;
            }
            case Namespace: throw new RenderError("Object of type Namespace is not JSON serializable");
            case Undefined: throw new RenderError("Object of type Undefined is not JSON serializable");
            case RangeValue: throw new RenderError("Object of type range is not JSON serializable");
            case IReadOnlyList<object?> list:
            {
                if (list.Count == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(itemSep);
                    NewLine(sb, indent, level + 1);
                    AppendJson(sb, list[i], indent, itemSep, keySep, sortKeys, level + 1, ctx);
                }
                NewLine(sb, indent, level);
                sb.Append(']');
                return;
            }
            default:
                throw new RenderError($"Object of type {PyOps.TypeName(value)} is not JSON serializable");
        }
    }

    private static string JsonKey(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        _ => throw new RenderError($"keys must be str, int, float, bool or None, not {PyOps.TypeName(key)}"),
    };

    private static void NewLine(StringBuilder sb, string? indent, int level)
    {
        if (indent is null) return;
        sb.Append('\n');
        for (var i = 0; i < level; i++) sb.Append(indent);
    }

    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
