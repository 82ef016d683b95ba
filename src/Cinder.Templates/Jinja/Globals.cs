namespace Cinder.Templates.Jinja;

/// <summary>
/// Functions every template sees: Jinja's <c>range</c>, <c>dict</c>, <c>namespace</c>, and the two transformers adds
/// for chat templates, <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class Globals
{
    /// <summary>Jinja's sandbox refuses ranges longer than this (MAX_RANGE); so do we.</summary>
    public const long MaxRange = 100_000;

    public static Scope CreateScope()
    {
        var scope = new Scope(null);
        scope.Set("range", new BuiltinFunction("range", Range));
        scope.Set("dict", new BuiltinFunction("dict", Dict));
        scope.Set("namespace", new BuiltinFunction("namespace", NewNamespace));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", RaiseException));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", StrftimeNow));
        return scope;
    }

    private static long Integer(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        Undefined u => throw PyOps.UndefinedError(u),
        _ => throw new RenderError($"'{PyOps.TypeName(value)}' object cannot be interpreted as an integer"),
    };

    private static object? Range(RenderContext ctx, CallArgs args, Node site)
    {
        args.Check("range", 3);
        var p = args.Positional;
        var (start, stop, step) = p.Count switch
        {
            1 => (0L, Integer(p[0]), 1L),
            2 => (Integer(p[0]), Integer(p[1]), 1L),
            3 => (Integer(p[0]), Integer(p[1]), Integer(p[2])),
            _ => throw new RenderError("range expected at least 1 argument, got 0"),
        };
        if (step == 0) throw new RenderError("range() arg 3 must not be zero");
        var range = new RangeValue(start, stop, step);
        if (range.LongCount > MaxRange) throw new LimitError($"range is too big: the sandbox allows at most {MaxRange} items");
        return range;
    }

    private static object? Dict(RenderContext ctx, CallArgs args, Node site)
    {
        var dict = new PyDict();
        if (args.Positional.Count > 1) throw new RenderError($"dict expected at most 1 argument, got {args.Positional.Count}");
        if (args.Positional.Count == 1) CopyInto(dict, args.Positional[0], ctx);
        foreach (var (key, value) in args.Named) dict.Set(key, value);
        return dict;
    }

    private static void CopyInto(PyDict dict, object? source, RenderContext ctx)
    {
        switch (source)
        {
            case PyDict other:
                foreach (var (key, value) in other) dict.Set(key, value);
                break;
            default:
                foreach (var pair in PyOps.Materialize(source, ctx))
                {
                    if (pair is not IReadOnlyList<object?> { Count: 2 } kv) throw new RenderError("dictionary update sequence element must be a pair");
                    dict.Set(kv[0], kv[1]);
                }
                break;
        }
    }

    private static object? NewNamespace(RenderContext ctx, CallArgs args, Node site)
    {
        var ns = new Namespace();
        foreach (var positional in args.Positional) CopyInto(ns.Attributes, positional, ctx);
        foreach (var (key, value) in args.Named) ns.Attributes.Set(key, value);
        return ns;
    }

    private static object? RaiseException(RenderContext ctx, CallArgs args, Node site) =>
        throw ctx.Raised(PyFormat.Str(args.Get(0, "message", "")), site);

    private static object? StrftimeNow(RenderContext ctx, CallArgs args, Node site)
    {
        var format = args.Get(0, "format") as string ?? throw new RenderError("strftime_now() needs a format string");
        return Strftime.Format(ctx.Time.GetLocalNow(), format);
    }
}
