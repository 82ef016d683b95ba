namespace Cinder.Templates.Jinja;

/// <summary>Jinja's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>, ...).</summary>
internal static class Tests
{
    private delegate bool Test(RenderContext ctx, object? value, CallArgs args);

    private static object? Arg(CallArgs args) =>
        args.Positional.Count > 0 ? args.Positional[0] : args.Named.Count > 0 ? args.Named[0].Value : throw new RenderError("test needs an argument");

    private static readonly Dictionary<string, Test> Table = new(StringComparer.Ordinal)
    {
        ["boolean"] = (_, v, _) => v is bool,
        ["callable"] = (_, v, _) => v is ICallable,
        ["defined"] = (_, v, _) => v is not Undefined,
        ["divisibleby"] = (_, v, a) => PyOps.ValueEquals(PyOps.Modulo(v, Arg(a)), 0L),
        ["eq"] = (_, v, a) => PyOps.ValueEquals(v, Arg(a)),
        ["equalto"] = (_, v, a) => PyOps.ValueEquals(v, Arg(a)),
        ["=="] = (_, v, a) => PyOps.ValueEquals(v, Arg(a)),
        ["even"] = (_, v, _) => PyOps.ValueEquals(PyOps.Modulo(v, 2L), 0L),
        ["false"] = (_, v, _) => v is false,
        ["float"] = (_, v, _) => v is double,
        ["ge"] = (_, v, a) => PyOps.Compare(v, Arg(a), ">=") >= 0,
        [">="] = (_, v, a) => PyOps.Compare(v, Arg(a), ">=") >= 0,
        ["greaterthan"] = (_, v, a) => PyOps.Compare(v, Arg(a), ">") > 0,
        ["gt"] = (_, v, a) => PyOps.Compare(v, Arg(a), ">") > 0,
        [">"] = (_, v, a) => PyOps.Compare(v, Arg(a), ">") > 0,
        ["in"] = (_, v, a) => PyOps.Contains(Arg(a), v),
        ["integer"] = (_, v, _) => v is long,
        ["iterable"] = (_, v, _) => v is string or List<object?> or PyTuple or PyDict or RangeValue or Undefined,
        ["le"] = (_, v, a) => PyOps.Compare(v, Arg(a), "<=") <= 0,
        ["<="] = (_, v, a) => PyOps.Compare(v, Arg(a), "<=") <= 0,
        ["lessthan"] = (_, v, a) => PyOps.Compare(v, Arg(a), "<") < 0,
        ["lt"] = (_, v, a) => PyOps.Compare(v, Arg(a), "<") < 0,
        ["<"] = (_, v, a) => PyOps.Compare(v, Arg(a), "<") < 0,
        ["lower"] = (_, v, _) => PyFormat.Str(v) is var s && HasCased(s) && s == s.ToLowerInvariant(),
        ["mapping"] = (_, v, _) => v is PyDict,
        ["ne"] = (_, v, a) => !PyOps.ValueEquals(v, Arg(a)),
        ["!="] = (_, v, a) => !PyOps.ValueEquals(v, Arg(a)),
        ["none"] = (_, v, _) => v is null,
        ["number"] = (_, v, _) => v is long or double or bool,
        ["odd"] = (_, v, _) => PyOps.ValueEquals(PyOps.Modulo(v, 2L), 1L),
        ["sameas"] = (_, v, a) => SameAs(v, Arg(a)),
        ["sequence"] = (_, v, _) => v is string or List<object?> or PyTuple or PyDict or RangeValue or Undefined,
        ["string"] = (_, v, _) => v is string,
        ["true"] = (_, v, _) => v is true,
        ["undefined"] = (_, v, _) => v is Undefined,
        ["upper"] = (_, v, _) => PyFormat.Str(v) is var s && HasCased(s) && s == s.ToUpperInvariant(),
    };

    public static bool Exists(string name) => Table.ContainsKey(name);

    public static IEnumerable<string> Names => Table.Keys;

    public static bool Apply(RenderContext ctx, string name, object? value, CallArgs args) => Table[name](ctx, value, args);

    private static bool HasCased(string s) => s.Any(char.IsLetter) && s.Any(c => char.IsUpper(c) || char.IsLower(c));

    /// <summary>Python's <c>is</c>: identity; the immutable singletons None, True and False compare by value.</summary>
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y && x is >= -5 and <= 256, // CPython's small-int cache
        _ => ReferenceEquals(a, b),
    };
}
