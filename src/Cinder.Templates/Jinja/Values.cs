using System.Collections;
using System.Globalization;

namespace Cinder.Templates.Jinja;

// The template data model is plain values only: null (None), bool, long, double, string, List<object?> (list),
// PyTuple, PyDict (ordered), plus the runtime objects below. Nothing reflects over CLR objects.

/// <summary>Jinja's default Undefined: prints as empty, is falsy and iterates as empty; most other uses fail.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new("value is undefined");

    public Undefined(string hint) => Hint = hint;

    /// <summary>Why it is undefined, for the error raised when it is used: "'x' is undefined".</summary>
    public string Hint { get; }
}

/// <summary>A Python tuple (immutable sequence printed with parentheses).</summary>
internal sealed class PyTuple(object?[] items) : IReadOnlyList<object?>
{
    public object? this[int index] => items[index];

    public int Count => items.Length;

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();
}

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (1 == 1.0 == True).</summary>
internal sealed class PyDict : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly OrderedDictionary<object, object?> _items = new(PyKeyComparer.Instance);

    public int Count => _items.Count;

    public IEnumerable<object> Keys => _items.Keys;

    public IEnumerable<object?> Values => _items.Values;

    public bool TryGetValue(object? key, out object? value)
    {
        value = null;
        if (key is null || !PyKeyComparer.IsHashable(key)) return false;
        return _items.TryGetValue(key, out value);
    }

    public bool ContainsKey(object? key) => TryGetValue(key, out _);

    public void Set(object? key, object? value)
    {
        if (key is null) throw new RenderError("None is not supported as a dict key");
        if (!PyKeyComparer.IsHashable(key)) throw new RenderError($"unhashable type: '{PyOps.TypeName(key)}'");
        _items[key] = value;
    }

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Hashing and equality of dict keys with Python semantics.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public static bool IsHashable(object key) => key is string or long or double or bool or PyTuple;

    public new bool Equals(object? x, object? y) => PyOps.ValueEquals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        string s => string.GetHashCode(s, StringComparison.Ordinal),
        bool b => (b ? 1L : 0L).GetHashCode(),
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue => ((long)d).GetHashCode(),
        double d => d.GetHashCode(),
        PyTuple t => t.Aggregate(17, (h, item) => h * 31 + (item is null ? 0 : GetHashCode(item))),
        _ => throw new RenderError($"unhashable type: '{PyOps.TypeName(obj)}'"),
    };
}

/// <summary>Jinja's <c>namespace(...)</c>: the one mutable object, whose attributes <c>{% set ns.x = ... %}</c> may assign.</summary>
internal sealed class Namespace
{
    public PyDict Attributes { get; } = new();
}

/// <summary>A lazy <c>range(start, stop, step)</c>; iterating it costs one unit of the work budget per item.</summary>
internal sealed class RangeValue(long start, long stop, long step) : IReadOnlyList<object?>
{
    public long Start => start;
    public long Stop => stop;
    public long Step => step;

    public long LongCount => step > 0
        ? (stop > start ? (stop - start - 1) / step + 1 : 0)
        : (start > stop ? (start - stop - 1) / -step + 1 : 0);

    public int Count => LongCount > int.MaxValue ? throw new LimitError("range is too long") : (int)LongCount;

    public object? this[int index] => start + index * step;

    public IEnumerator<object?> GetEnumerator()
    {
        var n = LongCount;
        for (long i = 0; i < n; i++) yield return start + i * step;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => step == 1
        ? string.Create(CultureInfo.InvariantCulture, $"range({start}, {stop})")
        : string.Create(CultureInfo.InvariantCulture, $"range({start}, {stop}, {step})");
}

/// <summary>The <c>loop</c> variable inside a for block.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int depth)
{
    public int Index0 { get; set; }
    public int Length => items.Count;
    public int Depth => depth;
    private object? _lastChanged = Undefined.Instance;

    public object? Get(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(Length - Index0),
        "revindex0" => (long)(Length - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth" => (long)depth,
        "depth0" => (long)(depth - 1),
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 + 1 < Length ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", (_, args, _) =>
        {
            if (args.Positional.Count == 0) throw new RenderError("no items for cycling given");
            return args.Positional[Index0 % args.Positional.Count];
        }),
        "changed" => new BuiltinFunction("loop.changed", (_, args, _) =>
        {
            var value = new PyTuple([.. args.Positional]);
            if (_lastChanged is PyTuple last && PyOps.ValueEquals(last, value)) return false;
            _lastChanged = value;
            return true;
        }),
        _ => new Undefined($"'loop' has no attribute '{name}'"),
    };
}

/// <summary>Arguments of a call: positional values and keyword values in call order.</summary>
internal sealed class CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> named)
{
    public static readonly CallArgs Empty = new([], []);

    public List<object?> Positional => positional;

    public List<KeyValuePair<string, object?>> Named => named;

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        foreach (var (key, value) in named)
        {
            if (key == name) return value;
        }
        return index >= 0 && index < positional.Count ? positional[index] : fallback;
    }

    public bool Has(int index, string name) => (index >= 0 && index < positional.Count) || named.Exists(p => p.Key == name);

    /// <summary>Rejects keywords not in <paramref name="allowed"/> and more than <paramref name="maxPositional"/> positional values.</summary>
    public void Check(string function, int maxPositional, params string[] allowed)
    {
        if (positional.Count > maxPositional)
        {
            throw new RenderError($"{function}() takes at most {maxPositional} positional argument(s), {positional.Count} given");
        }
        foreach (var (key, _) in named)
        {
            if (Array.IndexOf(allowed, key) < 0) throw new RenderError($"{function}() got an unexpected keyword argument '{key}'");
        }
    }
}

/// <summary>Anything a template can call: macros, globals such as <c>range</c>, bound string and dict methods.</summary>
internal interface ICallable
{
    string Name { get; }

    object? Invoke(RenderContext ctx, CallArgs args, Node site);
}

internal sealed class BuiltinFunction(string name, Func<RenderContext, CallArgs, Node, object?> body) : ICallable
{
    public string Name => name;

    public object? Invoke(RenderContext ctx, CallArgs args, Node site) => body(ctx, args, site);
}

/// <summary>A method looked up on a string, dict or list value (<c>content.strip</c>), run when called.</summary>
internal sealed class BoundMethod(object target, string name) : ICallable
{
    public string Name => name;

    public object? Invoke(RenderContext ctx, CallArgs args, Node site) => Methods.Call(ctx, target, name, args);
}

/// <summary>Thrown by value helpers that do not know where they are; the evaluating node adds line and column.</summary>
internal sealed class RenderError(string message) : Exception(message);

/// <summary>Like <see cref="RenderError"/> but for a hit <see cref="TemplateLimits"/> limit.</summary>
internal sealed class LimitError(string message) : Exception(message);
