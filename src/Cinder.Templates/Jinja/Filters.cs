using System.Globalization;
using System.Numerics;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Jinja's built-in filters that chat templates use, with Jinja 3.1 semantics, plus <c>tojson</c> as transformers
/// overrides it (<c>json.dumps</c> with <c>ensure_ascii=False</c>, no HTML escaping, key order kept).
/// </summary>
internal static partial class Filters
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\w+")]
    private static partial System.Text.RegularExpressions.Regex WordRegex();

    private delegate object? Filter(RenderContext ctx, object? value, CallArgs args, Node site);

    private static readonly Dictionary<string, Filter> Table = new(StringComparer.Ordinal)
    {
        ["abs"] = Abs,
        ["attr"] = Attr,
        ["capitalize"] = (_, v, _, _) => PyText.Capitalize(PyFormat.Str(v)),
        ["center"] = Center,
        ["count"] = Length,
        ["d"] = Default,
        ["default"] = Default,
        ["dictsort"] = DictSort,
        ["e"] = Escape,
        ["escape"] = Escape,
        ["first"] = First,
        ["float"] = Float,
        ["indent"] = Indent,
        ["int"] = Int,
        ["items"] = Items,
        ["join"] = Join,
        ["last"] = Last,
        ["length"] = Length,
        ["list"] = ToList,
        ["lower"] = (_, v, _, _) => PyFormat.Str(v).ToLowerInvariant(),
        ["map"] = Map,
        ["max"] = (ctx, v, a, _) => MinMax(ctx, v, a, max: true),
        ["min"] = (ctx, v, a, _) => MinMax(ctx, v, a, max: false),
        ["reject"] = (ctx, v, a, _) => Select(ctx, v, a, byAttribute: false, keep: false),
        ["rejectattr"] = (ctx, v, a, _) => Select(ctx, v, a, byAttribute: true, keep: false),
        ["replace"] = Replace,
        ["reverse"] = Reverse,
        ["round"] = Round,
        ["safe"] = (_, v, _, _) => PyFormat.Str(v),
        ["select"] = (ctx, v, a, _) => Select(ctx, v, a, byAttribute: false, keep: true),
        ["selectattr"] = (ctx, v, a, _) => Select(ctx, v, a, byAttribute: true, keep: true),
        ["sort"] = Sort,
        ["string"] = (_, v, _, _) => PyFormat.Str(v),
        ["sum"] = Sum,
        ["title"] = (_, v, _, _) => PyText.TitleFilter(PyFormat.Str(v)),
        ["tojson"] = ToJson,
        ["trim"] = (_, v, a, _) => PyText.Strip(PyFormat.Str(v), a.Get(0, "chars") as string, true, true),
        ["unique"] = Unique,
        ["upper"] = (_, v, _, _) => PyFormat.Str(v).ToUpperInvariant(),
        ["wordcount"] = (_, v, _, _) => (long)WordRegex().Count(PyFormat.Str(v)),
    };

    public static bool Exists(string name) => Table.ContainsKey(name);

    public static IEnumerable<string> Names => Table.Keys;

    public static object? Apply(RenderContext ctx, string name, object? value, CallArgs args, Node site) => Table[name](ctx, value, args, site);

    private static object? Abs(RenderContext ctx, object? value, CallArgs args, Node site) => value switch
    {
        long l => l == long.MinValue ? throw new RenderError("integer overflow") : (object)Math.Abs(l),
        double d => Math.Abs(d),
        bool b => b ? 1L : 0L,
        Undefined u => throw PyOps.UndefinedError(u),
        _ => throw new RenderError($"bad operand type for abs(): '{PyOps.TypeName(value)}'"),
    };

    /// <summary>Jinja's <c>attr</c> looks up an attribute only, never a dict item.</summary>
    private static object? Attr(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var name = PyFormat.Str(args.Get(0, "name"));
        return value is PyDict dict && !Methods.IsMethod(dict, name)
            ? new Undefined($"'dict object' has no attribute '{name}'")
            : PyOps.GetAttribute(value, name);
    }

    private static object? ToList(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        return new List<object?>(items);
    }

    private static object? Center(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var s = PyFormat.Str(value);
        var width = ToLong(args.Get(0, "width", 80L), "width");
        var length = PyText.Length(s);
        if (width <= length) return s;
        ctx.CheckLength(width);
        var marg = (int)(width - length);
        var left = marg / 2 + (marg & (int)width & 1);
        return new string(' ', left) + s + new string(' ', marg - left);
    }

    private static object? Length(RenderContext ctx, object? value, CallArgs args, Node site) => value switch
    {
        string s => (long)PyText.Length(s),
        IReadOnlyCollection<object?> c when value is not RangeValue => (long)c.Count,
        RangeValue r => r.LongCount,
        PyDict d => (long)d.Count,
        Undefined => 0L,
        _ => throw new RenderError($"object of type '{PyOps.TypeName(value)}' has no len()"),
    };

    private static object? Default(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var fallback = args.Get(0, "default_value", "");
        var boolean = PyOps.Truthy(args.Get(1, "boolean", false));
        if (value is Undefined || (boolean && !PyOps.Truthy(value))) return fallback;
        return value;
    }

    private static object? DictSort(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        if (value is not PyDict dict) throw new RenderError("can only sort the items of a mapping");
        var caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        var by = PyFormat.Str(args.Get(1, "by", "key"));
        var reverse = PyOps.Truthy(args.Get(2, "reverse", false));
        var position = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new RenderError("You can only sort by either \"key\" or \"value\""),
        };
        ctx.Tick(dict.Count);
        var pairs = dict.Select(p => new PyTuple([p.Key, p.Value])).ToList();
        object? Key(PyTuple t) => caseSensitive ? t[position] : IgnoreCase(t[position]);
        var sorted = reverse ? pairs.OrderByDescending(Key, PyComparer.Instance) : pairs.OrderBy(Key, PyComparer.Instance);
        return sorted.Cast<object?>().ToList();
    }

    private static object? Escape(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var s = PyFormat.Str(value);
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&#34;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        ctx.CheckLength(sb.Length);
        return sb.ToString();
    }

    private static object? First(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty.");
    }

    private static object? Last(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty.");
    }

    private static object? Float(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var fallback = args.Get(0, "default", 0.0);
        if (value is Undefined u) throw PyOps.UndefinedError(u);
        return value switch
        {
            double d => d,
            long l => (double)l,
            bool b => b ? 1.0 : 0.0,
            string s => ParsePythonFloat(s) ?? fallback,
            _ => fallback,
        };
    }

    private static double? ParsePythonFloat(string s)
    {
        var t = PyText.Strip(s, null, true, true).Replace("_", "");
        switch (t.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": return double.NaN;
            case "inf" or "+inf" or "infinity" or "+infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
        }
        if (t.Length == 0 || s.Contains("__") || t.Contains(',')) return null;
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static object? Int(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var fallback = args.Get(0, "default", 0L);
        var radix = (int)ToLong(args.Get(1, "base", 10L), "base");
        switch (value)
        {
            case Undefined u:
                throw PyOps.UndefinedError(u);
            case long or bool:
                return value is bool b ? (b ? 1L : 0L) : value;
            case double d:
                return DoubleToLong(d);
            case string s:
            {
                var t = PyText.Strip(s, null, true, true);
                if (TryParsePythonInt(t, radix, out var parsed)) return parsed;
                var f = ParsePythonFloat(s);
                return f is null || double.IsNaN(f.Value) ? fallback : DoubleToLong(f.Value);
            }
            default:
                return fallback;
        }
    }

    private static long DoubleToLong(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d)) throw new RenderError("cannot convert float NaN or infinity to integer");
        var t = Math.Truncate(d);
        if (t >= 9.2233720368547758E18 || t < -9.2233720368547758E18) throw new RenderError("integer overflow");
        return (long)t;
    }

    private static bool TryParsePythonInt(string t, int radix, out long value)
    {
        value = 0;
        var negative = false;
        var i = 0;
        if (i < t.Length && t[i] is '+' or '-') negative = t[i++] == '-';
        if (radix == 16 && t.Length > i + 1 && t[i] == '0' && t[i + 1] is 'x' or 'X') i += 2;
        else if (radix == 8 && t.Length > i + 1 && t[i] == '0' && t[i + 1] is 'o' or 'O') i += 2;
        else if (radix == 2 && t.Length > i + 1 && t[i] == '0' && t[i + 1] is 'b' or 'B') i += 2;
        if (i >= t.Length || radix is < 2 or > 36) return false;
        BigInteger acc = 0;
        var previousUnderscore = true;
        for (; i < t.Length; i++)
        {
            var c = t[i];
            if (c == '_')
            {
                if (previousUnderscore) return false;
                previousUnderscore = true;
                continue;
            }
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix) return false;
            acc = acc * radix + digit;
            previousUnderscore = false;
        }
        if (previousUnderscore) return false;
        if (negative) acc = -acc;
        if (acc > long.MaxValue || acc < long.MinValue) throw new RenderError("integer overflow");
        value = (long)acc;
        return true;
    }

    private static object? Indent(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var widthArg = args.Get(0, "width", 4L);
        var indention = widthArg is string w ? w : new string(' ', (int)Math.Clamp(ToLong(widthArg, "width"), 0, 1000));
        var first = PyOps.Truthy(args.Get(1, "first", false));
        var blank = PyOps.Truthy(args.Get(2, "blank", false));
        var s = value switch
        {
            string text => text + "\n", // Jinja appends a newline so splitlines keeps a trailing empty line
            Undefined u => throw PyOps.UndefinedError(u),
            _ => throw new RenderError($"indent needs a string, not '{PyOps.TypeName(value)}'"),
        };
        var lines = PyText.SplitLines(s);
        ctx.CheckLength(s.Length + (long)lines.Count * indention.Length);
        string rv;
        if (blank)
        {
            rv = string.Join("\n" + indention, lines);
        }
        else
        {
            var sb = new StringBuilder(lines.Count > 0 ? lines[0] : "");
            for (var i = 1; i < lines.Count; i++)
            {
                sb.Append('\n');
                if (lines[i].Length > 0) sb.Append(indention);
                sb.Append(lines[i]);
            }
            rv = sb.ToString();
        }
        return first ? indention + rv : rv;
    }

    private static object? Items(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        switch (value)
        {
            case Undefined:
                return new List<object?>();
            case PyDict dict:
                ctx.Tick(dict.Count);
                return dict.Select(p => (object?)new PyTuple([p.Key, p.Value])).ToList();
            default:
                throw new RenderError("Can only get item pairs from a mapping.");
        }
    }

    private static object? Join(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var separator = PyFormat.Str(args.Get(0, "d", ""));
        var attribute = args.Get(1, "attribute");
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        var getter = attribute is null ? null : AttributeGetter(attribute, null);
        var texts = new List<string>(items.Count);
        long total = 0;
        foreach (var item in items)
        {
            var text = PyFormat.Str(getter is null ? item : getter(item));
            total += text.Length + separator.Length;
            ctx.CheckLength(total);
            texts.Add(text);
        }
        return string.Join(separator, texts);
    }

    /// <summary>Jinja's make_attrgetter: "a.b.0" walks items (then attributes); digits index sequences.</summary>
    private static Func<object?, object?> AttributeGetter(object? attribute, Func<object?, object?>? postprocess, object? fallback = null, bool hasFallback = false)
    {
        var parts = attribute switch
        {
            long l => [(object?)l],
            string s => s.Split('.').Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (object?)n : p).ToArray(),
            _ => throw new RenderError($"attribute must be a string or an integer, not '{PyOps.TypeName(attribute)}'"),
        };
        return item =>
        {
            var current = item;
            foreach (var part in parts)
            {
                current = PyOps.GetItem(current, part);
                if (current is Undefined && hasFallback) return fallback;
            }
            return postprocess is null ? current : postprocess(current);
        };
    }

    private static object? IgnoreCase(object? value) => value is string s ? s.ToLowerInvariant() : value;

    private static object? Map(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        // Jinja's map/select/reject test the value's truth before iterating, so 0 or false gives nothing.
        var items = PyOps.Truthy(value) ? PyOps.Materialize(value, ctx) : [];
        ctx.Tick(items.Count);
        if (args.Positional.Count == 0 && args.Has(-1, "attribute"))
        {
            var hasDefault = args.Has(-1, "default");
            var getter = AttributeGetter(args.Get(-1, "attribute"), null, args.Get(-1, "default"), hasDefault);
            return items.Select(getter).ToList();
        }
        if (args.Positional.Count == 0) throw new RenderError("map requires a filter name or attribute=");
        var filterName = PyFormat.Str(args.Positional[0]);
        if (!Exists(filterName)) throw new RenderError($"unknown filter '{filterName}'");
        var rest = new CallArgs(args.Positional.Skip(1).ToList(), args.Named);
        return items.Select(item => Apply(ctx, filterName, item, rest, site)).ToList();
    }

    private static object? MinMax(RenderContext ctx, object? value, CallArgs args, bool max)
    {
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        if (items.Count == 0) return new Undefined($"No aggregated item, sequence was empty.");
        var caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        var key = attribute is null
            ? (caseSensitive ? (Func<object?, object?>)(x => x) : IgnoreCase)
            : AttributeGetter(attribute, caseSensitive ? null : IgnoreCase);
        var best = items[0];
        var bestKey = key(best);
        foreach (var item in items.Skip(1))
        {
            var k = key(item);
            var c = PyOps.Compare(k, bestKey);
            if (max ? c > 0 : c < 0)
            {
                best = item;
                bestKey = k;
            }
        }
        return best;
    }

    private static object? Select(RenderContext ctx, object? value, CallArgs args, bool byAttribute, bool keep)
    {
        var items = PyOps.Truthy(value) ? PyOps.Materialize(value, ctx) : [];
        ctx.Tick(items.Count);
        var positional = args.Positional;
        var offset = 0;
        Func<object?, object?> getter = x => x;
        if (byAttribute)
        {
            if (positional.Count == 0) throw new RenderError("missing attribute name");
            getter = AttributeGetter(positional[0], null);
            offset = 1;
        }
        Func<object?, bool> test = PyOps.Truthy;
        if (positional.Count > offset)
        {
            var testName = PyFormat.Str(positional[offset]);
            if (!Tests.Exists(testName)) throw new RenderError($"unknown test '{testName}'");
            var testArgs = new CallArgs(positional.Skip(offset + 1).ToList(), args.Named);
            test = x => Tests.Apply(ctx, testName, x, testArgs);
        }
        return items.Where(item => test(getter(item)) == keep).ToList();
    }

    private static object? Replace(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var s = PyFormat.Str(value);
        var old = PyFormat.Str(args.Get(0, "old"));
        var replacement = PyFormat.Str(args.Get(1, "new"));
        var countArg = args.Get(2, "count");
        var count = countArg is null ? -1 : ToLong(countArg, "count");
        if (replacement.Length > old.Length)
        {
            var occurrences = old.Length == 0 ? s.Length + 1 : (s.Length / old.Length) + 1;
            ctx.CheckLength(s.Length + (long)occurrences * (replacement.Length - old.Length));
        }
        return PyText.Replace(s, old, replacement, count);
    }

    private static object? Reverse(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        if (value is string s)
        {
            var points = PyText.CodePoints(s);
            points.Reverse();
            return string.Concat(points);
        }
        var items = new List<object?>(PyOps.Materialize(value, ctx));
        ctx.Tick(items.Count);
        items.Reverse();
        return items;
    }

    private static object? Round(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var precision = (int)Math.Clamp(ToLong(args.Get(0, "precision", 0L), "precision"), -400, 400);
        var method = PyFormat.Str(args.Get(1, "method", "common"));
        if (value is Undefined u) throw PyOps.UndefinedError(u);
        if (method is not ("common" or "ceil" or "floor")) throw new RenderError("method must be common, ceil or floor");
        if (value is long or bool)
        {
            var l = value is bool b ? (b ? 1L : 0L) : (long)value;
            if (method != "common") return (double)l;
            if (precision >= 0) return l;
            var scale = BigInteger.Pow(10, -precision);
            var rounded = RoundHalfEven(BigInteger.Abs(l), scale) * scale;
            return (long)(l < 0 ? -rounded : rounded);
        }
        if (value is not double d) throw new RenderError($"type {PyOps.TypeName(value)} doesn't define __round__ method");
        if (double.IsNaN(d) || double.IsInfinity(d)) return d;
        if (method != "common")
        {
            var scale = Math.Pow(10, precision);
            return (method == "ceil" ? Math.Ceiling(d * scale) : Math.Floor(d * scale)) / scale;
        }
        return PythonRound(d, precision);
    }

    /// <summary>Python's <c>round(x, n)</c> on floats: exact binary value, ties to even, then the nearest double.</summary>
    internal static double PythonRound(double d, int precision)
    {
        var bits = BitConverter.DoubleToInt64Bits(d);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++;
        else mantissa |= 1L << 52;
        exponent -= 1075; // |d| = mantissa * 2^exponent

        BigInteger numerator = mantissa;
        BigInteger denominator = BigInteger.One;
        if (exponent > 0) numerator <<= exponent;
        else denominator <<= -exponent;
        if (precision >= 0) numerator *= BigInteger.Pow(10, precision);
        else denominator *= BigInteger.Pow(10, -precision);

        var rounded = RoundHalfEven(numerator, denominator);
        var text = rounded.ToString(CultureInfo.InvariantCulture) + "e" + (-precision).ToString(CultureInfo.InvariantCulture);
        var result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return negative ? -result : result;
    }

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven)) quotient += 1;
        return quotient;
    }

    private static object? Sort(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        var reverse = PyOps.Truthy(args.Get(0, "reverse", false));
        var caseSensitive = PyOps.Truthy(args.Get(1, "case_sensitive", false));
        var attribute = args.Get(2, "attribute");
        var key = attribute is null
            ? (caseSensitive ? (Func<object?, object?>)(x => x) : IgnoreCase)
            : AttributeGetter(attribute, caseSensitive ? null : IgnoreCase);
        var keyed = items.Select(item => (Key: key(item), Item: item)).ToList();
        var sorted = reverse ? keyed.OrderByDescending(p => p.Key, PyComparer.Instance) : keyed.OrderBy(p => p.Key, PyComparer.Instance);
        return sorted.Select(p => p.Item).ToList();
    }

    private static object? Sum(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        var attribute = args.Get(0, "attribute");
        var total = args.Get(1, "start", 0L);
        var getter = attribute is null ? null : AttributeGetter(attribute, null);
        foreach (var item in items) total = PyOps.Add(total, getter is null ? item : getter(item), ctx);
        return total;
    }

    private static object? ToJson(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        args.Check("tojson", 4, "ensure_ascii", "indent", "separators", "sort_keys");
        var ensureAscii = PyOps.Truthy(args.Get(0, "ensure_ascii", false));
        var indentArg = args.Get(1, "indent");
        var indent = indentArg switch
        {
            null => null,
            string s => s,
            long or bool => new string(' ', (int)Math.Clamp(ToLong(indentArg, "indent"), 0, 100)),
            _ => throw new RenderError($"indent must be an integer or a string, not '{PyOps.TypeName(indentArg)}'"),
        };
        var itemSeparator = indent is null ? ", " : ",";
        var keySeparator = ": ";
        if (args.Get(2, "separators") is IReadOnlyList<object?> { Count: 2 } separators)
        {
            itemSeparator = PyFormat.Str(separators[0]);
            keySeparator = PyFormat.Str(separators[1]);
        }
        var sortKeys = PyOps.Truthy(args.Get(3, "sort_keys", false));
        var json = PyFormat.Json(value, indent, itemSeparator, keySeparator, sortKeys, ctx);
        if (ensureAscii) json = EscapeNonAscii(json);
        ctx.CheckLength(json.Length);
        return json;
    }

    private static string EscapeNonAscii(string json)
    {
        var sb = new StringBuilder(json.Length);
        foreach (var c in json)
        {
            if (c < 0x80) sb.Append(c);
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static object? Unique(RenderContext ctx, object? value, CallArgs args, Node site)
    {
        var items = PyOps.Materialize(value, ctx);
        ctx.Tick(items.Count);
        var caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        var key = attribute is null
            ? (caseSensitive ? (Func<object?, object?>)(x => x) : IgnoreCase)
            : AttributeGetter(attribute, caseSensitive ? null : IgnoreCase);
        var seen = new List<object?>();
        var result = new List<object?>();
        var hashed = new HashSet<object>(PyKeyComparer.Instance);
        foreach (var item in items)
        {
            var k = key(item);
            if (k is not null && PyKeyComparer.IsHashable(k))
            {
                if (hashed.Add(k)) result.Add(item);
                continue;
            }
            if (seen.Exists(s => PyOps.ValueEquals(s, k))) continue;
            seen.Add(k);
            result.Add(item);
        }
        return result;
    }

    private static long ToLong(object? value, string what) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new RenderError($"{what} must be an integer, not '{PyOps.TypeName(value)}'"),
    };
}
