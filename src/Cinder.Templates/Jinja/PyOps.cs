using System.Numerics;
using System.Text;

namespace Cinder.Templates.Jinja;

/// <summary>Python semantics of template operators: truth, equality, ordering, arithmetic, membership, lookup.</summary>
internal static class PyOps
{
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        Namespace => "Namespace",
        Undefined => "Undefined",
        RangeValue => "range",
        LoopContext => "LoopContext",
        ICallable => "function",
        _ => value.GetType().Name,
    };

    public static RenderError UndefinedError(Undefined u) => new(u.Hint);

    public static bool Truthy(object? value) => value switch
    {
        null => false,
        Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        RangeValue r => r.LongCount > 0,
        IReadOnlyCollection<object?> c => c.Count > 0,
        PyDict d => d.Count > 0,
        _ => true,
    };

    private static bool IsNumber(object? v) => v is long or double or bool;

    private static double AsDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    private static long AsLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    public static bool ValueEquals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return AsDouble(a) == AsDouble(b);
            return AsLong(a) == AsLong(b);
        }
        switch (a)
        {
            case string sa: return b is string sb && sa == sb;
            case List<object?> la: return b is List<object?> lb && SequenceEquals(la, lb);
            case PyTuple ta: return b is PyTuple tb && SequenceEquals(ta, tb);
            case RangeValue ra: return b is RangeValue rb && SequenceEquals(ra, rb);
            case PyDict da:
                if (b is not PyDict db || da.Count != db.Count) return false;
                foreach (var (key, value) in da)
                {
                    if (!db.TryGetValue(key, out var other) || !ValueEquals(value, other)) return false;
                }
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEquals(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!ValueEquals(a[i], b[i])) return false;
        }
        return true;
    }

    /// <summary>Python ordering (&lt;): numbers with numbers, strings by code point, sequences lexicographically.</summary>
    public static int Compare(object? a, object? b, string op = "<")
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double)
            {
                var x = AsDouble(a);
                var y = AsDouble(b);
                return x < y ? -1 : x > y ? 1 : 0;
            }
            return AsLong(a).CompareTo(AsLong(b));
        }
        if (a is string sa && b is string sb) return Math.Sign(PyText.CompareOrdinalCodePoints(sa, sb));
        if ((a is List<object?> && b is List<object?>) || (a is PyTuple && b is PyTuple))
        {
            var la = (IReadOnlyList<object?>)a;
            var lb = (IReadOnlyList<object?>)b!;
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!ValueEquals(la[i], lb[i])) return Compare(la[i], lb[i], op);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined u) throw UndefinedError(u);
        if (b is Undefined ub) throw UndefinedError(ub);
        throw new RenderError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static object? Add(object? a, object? b, RenderContext ctx)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return AsDouble(a) + AsDouble(b);
            return CheckedLong(() => checked(AsLong(a) + AsLong(b)));
        }
        if (a is string sa && b is string sb) return ctx.CheckedConcat(sa, sb);
        if (a is List<object?> la && b is List<object?> lb)
        {
            ctx.Tick(la.Count + lb.Count);
            return new List<object?>(la.Concat(lb));
        }
        if (a is PyTuple ta && b is PyTuple tb)
        {
            ctx.Tick(ta.Count + tb.Count);
            return new PyTuple([.. ta, .. tb]);
        }
        throw Unsupported("+", a, b);
    }

    public static object? Subtract(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("-", a, b);
        if (a is double || b is double) return AsDouble(a) - AsDouble(b);
        return CheckedLong(() => checked(AsLong(a) - AsLong(b)));
    }

    public static object? Multiply(object? a, object? b, RenderContext ctx)
    {
        ThrowIfUndefined(a, b);
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return AsDouble(a) * AsDouble(b);
            return CheckedLong(() => checked(AsLong(a) * AsLong(b)));
        }
        if (a is long or bool && b is string or List<object?> or PyTuple) (a, b) = (b, a);
        if (b is long or bool)
        {
            var n = Math.Max(0, AsLong(b));
            switch (a)
            {
                case string s:
                    if (s.Length > 0 && n > ctx.Limits.MaxOutputLength / s.Length)
                    {
                        throw new LimitError($"string would exceed the output limit of {ctx.Limits.MaxOutputLength} characters");
                    }
                    var sb = new StringBuilder(s.Length * (int)n);
                    for (var i = 0; i < n; i++) sb.Append(s);
                    return sb.ToString();
                case IReadOnlyList<object?> list when a is List<object?> or PyTuple:
                    ctx.Tick(list.Count == 0 ? n : checked(list.Count * n));
                    var result = new List<object?>();
                    for (var i = 0; i < n; i++) result.AddRange(list);
                    return a is PyTuple ? new PyTuple([.. result]) : result;
            }
        }
        throw Unsupported("*", a, b);
    }

    public static object? Divide(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("/", a, b);
        var y = AsDouble(b);
        if (y == 0) throw new RenderError("division by zero");
        return AsDouble(a) / y;
    }

    public static object? FloorDivide(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("//", a, b);
        if (a is double || b is double)
        {
            var y = AsDouble(b);
            if (y == 0) throw new RenderError("float floor division by zero");
            return Math.Floor(AsDouble(a) / y);
        }
        var d = AsLong(b);
        if (d == 0) throw new RenderError("integer division or modulo by zero");
        var n = AsLong(a);
        if (n == long.MinValue && d == -1) throw new RenderError("integer overflow");
        var q = n / d;
        if ((n % d != 0) && ((n < 0) != (d < 0))) q--;
        return q;
    }

    public static object? Modulo(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (a is string) throw new RenderError("printf-style string formatting ('%' on a string) is not supported");
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("%", a, b);
        if (a is double || b is double)
        {
            var y = AsDouble(b);
            if (y == 0) throw new RenderError("float modulo");
            var x = AsDouble(a);
            var r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y;
            return r == 0 ? Math.CopySign(0.0, y) : r;
        }
        var d = AsLong(b);
        if (d == 0) throw new RenderError("integer division or modulo by zero");
        if (d == -1) return 0L;
        var m = AsLong(a) % d;
        if (m != 0 && (m < 0) != (d < 0)) m += d;
        return m;
    }

    public static object? Power(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b)) throw Unsupported("**", a, b);
        if (a is double || b is double || AsLong(b) < 0) return Math.Pow(AsDouble(a), AsDouble(b));
        var result = BigInteger.Pow(AsLong(a), (int)Math.Min(AsLong(b), 1024));
        if (AsLong(b) > 1024 && BigInteger.Abs(AsLong(a)) > 1) throw new RenderError("integer overflow");
        if (result > long.MaxValue || result < long.MinValue) throw new RenderError("integer overflow");
        return (long)result;
    }

    public static object? Negate(object? a)
    {
        if (a is Undefined u) throw UndefinedError(u);
        return a switch
        {
            double d => -d,
            long l => CheckedLong(() => checked(-l)),
            bool b => b ? -1L : 0L,
            _ => throw new RenderError($"bad operand type for unary -: '{TypeName(a)}'"),
        };
    }

    public static object? Plus(object? a)
    {
        if (a is Undefined u) throw UndefinedError(u);
        return a switch
        {
            double or long => a,
            bool b => b ? 1L : 0L,
            _ => throw new RenderError($"bad operand type for unary +: '{TypeName(a)}'"),
        };
    }

    private static object CheckedLong(Func<long> op)
    {
        try
        {
            return op();
        }
        catch (OverflowException)
        {
            throw new RenderError("integer overflow");
        }
    }

    private static void ThrowIfUndefined(object? a, object? b)
    {
        if (a is Undefined ua) throw UndefinedError(ua);
        if (b is Undefined ub) throw UndefinedError(ub);
    }

    private static RenderError Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                if (item is Undefined u) throw UndefinedError(u);
                if (item is not string sub) throw new RenderError($"'in <string>' requires string as left operand, not {TypeName(item)}");
                return s.Contains(sub, StringComparison.Ordinal);
            case PyDict d:
                if (item is List<object?> or PyDict or Namespace) throw new RenderError($"unhashable type: '{TypeName(item)}'");
                return d.ContainsKey(item);
            case Namespace ns: return ns.Attributes.ContainsKey(item);
            case Undefined: return false;
            case IEnumerable<object?> seq:
                foreach (var x in seq)
                {
                    if (ValueEquals(x, item)) return true;
                }
                return false;
            default:
                throw new RenderError($"argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>The items a for loop or filter iterates: list items, dict keys, string characters, nothing for undefined.</summary>
    public static IReadOnlyList<object?> Materialize(object? value, RenderContext ctx)
    {
        switch (value)
        {
            case List<object?> list:
                return list;
            case PyTuple tuple:
                return tuple;
            case PyDict dict:
                return [.. dict.Keys];
            case string s:
                ctx.Tick(s.Length);
                return PyText.CodePoints(s).ConvertAll(c => (object?)c);
            case RangeValue range:
                // range() refuses more than Globals.MaxRange items; whoever walks it counts the work.
                return range;
            case Undefined:
                return [];
            case Namespace:
                throw new RenderError("'Namespace' object is not iterable");
            default:
                throw new RenderError($"'{TypeName(value)}' object is not iterable");
        }
    }

    /// <summary><c>obj.name</c>: attribute first (methods, loop and namespace fields), then item.</summary>
    public static object? GetAttribute(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u:
                throw UndefinedError(u);
            case PyDict dict:
                if (Methods.IsMethod(dict, name)) return new BoundMethod(dict, name);
                return dict.TryGetValue(name, out var value) ? value : new Undefined($"'dict object' has no attribute '{name}'");
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var nsValue) ? nsValue : new Undefined($"'Namespace' object has no attribute '{name}'");
            case LoopContext loop:
                return loop.Get(name);
            case string or List<object?> or PyTuple when Methods.IsMethod(obj, name):
                return new BoundMethod(obj, name);
            default:
                return new Undefined($"'{TypeName(obj)} object' has no attribute '{name}'");
        }
    }

    /// <summary><c>obj[key]</c>: item first, then attribute (so <c>loop['index']</c> and <c>d['items']</c> work as in Jinja).</summary>
    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u:
                throw UndefinedError(u);
            case PyDict dict:
                if (dict.TryGetValue(key, out var value)) return value;
                return key is string name && Methods.IsMethod(dict, name) ? new BoundMethod(dict, name) : new Undefined($"'dict object' has no attribute '{PyFormat.Str(key)}'");
            case string s when key is long or bool:
            {
                var points = PyText.HasSurrogates(s) ? PyText.CodePoints(s) : null;
                var length = points?.Count ?? s.Length;
                var i = NormalizeIndex(key, length);
                if (i < 0) return new Undefined($"string index {PyFormat.Str(key)} out of range");
                return points is null ? s[i].ToString() : points[i];
            }
            case IReadOnlyList<object?> list when key is long or bool:
            {
                var i = NormalizeIndex(key, list.Count);
                return i < 0 ? new Undefined($"list index {PyFormat.Str(key)} out of range") : list[i];
            }
            default:
                if (key is string attr) return GetAttribute(obj, attr);
                if (key is Undefined uk) throw UndefinedError(uk);
                return new Undefined($"'{TypeName(obj)} object' has no item {PyFormat.Repr(key)}");
        }
    }

    private static int NormalizeIndex(object? key, int count)
    {
        var i = AsLong(key);
        if (i < 0) i += count;
        return i < 0 || i >= count ? -1 : (int)i;
    }

    /// <summary>Python slicing <c>obj[start:stop:step]</c> of strings, lists and tuples.</summary>
    public static object? Slice(object? obj, object? start, object? stop, object? step, RenderContext ctx)
    {
        if (obj is Undefined u) throw UndefinedError(u);
        long? Bound(object? v, string what) => v switch
        {
            null => null,
            long or bool => AsLong(v),
            Undefined => null,
            _ => throw new RenderError($"slice {what} must be an integer or None, not '{TypeName(v)}'"),
        };
        var st = Bound(step, "step") ?? 1;
        if (st == 0) throw new RenderError("slice step cannot be zero");

        IReadOnlyList<object?> items;
        List<string>? points = null;
        switch (obj)
        {
            case string s:
                points = PyText.CodePoints(s);
                items = points.ConvertAll(p => (object?)p);
                break;
            case IReadOnlyList<object?> list when obj is not RangeValue:
                items = list;
                break;
            case RangeValue range:
                ctx.Tick(range.LongCount);
                items = [.. range];
                break;
            default:
                // Jinja compiles slices to a plain Python subscript (not its forgiving getitem), so this fails.
                throw new RenderError($"'{TypeName(obj)}' object is not subscriptable");
        }

        long n = items.Count;
        long Clamp(long? v, long fallback, bool forward)
        {
            if (v is null) return fallback;
            var x = v.Value < 0 ? v.Value + n : v.Value;
            return forward ? Math.Clamp(x, 0, n) : Math.Clamp(x, -1, n - 1);
        }
        var forward = st > 0;
        var lo = Clamp(Bound(start, "start"), forward ? 0 : n - 1, forward);
        var hi = Clamp(Bound(stop, "stop"), forward ? n : -1, forward);

        var picked = new List<object?>();
        for (var i = lo; forward ? i < hi : i > hi; i += st) picked.Add(items[(int)i]);
        ctx.Tick(picked.Count);
        return obj switch
        {
            string => string.Concat(picked.Cast<string>()),
            PyTuple => new PyTuple([.. picked]),
            _ => picked,
        };
    }
}

/// <summary>Python ordering as an <see cref="IComparer{T}"/> (throws for types Python cannot order).</summary>
internal sealed class PyComparer : IComparer<object?>
{
    public static readonly PyComparer Instance = new();

    public int Compare(object? x, object? y) => PyOps.Compare(x, y);
}
