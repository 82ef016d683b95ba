namespace Cinder.Templates.Jinja;

/// <summary>
/// The Python methods templates call on values: string methods (<c>strip</c>, <c>split</c>, <c>startswith</c>, ...)
/// and read-only dict methods (<c>get</c>, <c>keys</c>, <c>values</c>, <c>items</c>). Methods that would mutate a
/// value (<c>list.append</c>, <c>dict.update</c>) are absent, as in the immutable sandbox transformers uses.
/// </summary>
internal static class Methods
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "replace", "find", "rfind", "count", "join", "isdigit", "isalpha", "isalnum",
        "isspace", "islower", "isupper", "center", "zfill",
    ];

    private static readonly HashSet<string> DictMethods = ["get", "keys", "values", "items"];

    private static readonly HashSet<string> SequenceMethods = ["index", "count"];

    public static bool IsMethod(object target, string name) => target switch
    {
        string => StringMethods.Contains(name),
        PyDict => DictMethods.Contains(name),
        List<object?> or PyTuple => SequenceMethods.Contains(name),
        _ => false,
    };

    public static object? Call(RenderContext ctx, object target, string name, CallArgs args) => target switch
    {
        string s => CallString(ctx, s, name, args),
        PyDict d => CallDict(ctx, d, name, args),
        IReadOnlyList<object?> list => CallSequence(list, name, args),
        _ => throw new RenderError($"'{PyOps.TypeName(target)}' object has no method '{name}'"),
    };

    private static string? OptionalString(object? value, string what) => value switch
    {
        null => null,
        string s => s,
        Undefined u => throw PyOps.UndefinedError(u),
        _ => throw new RenderError($"{what} must be str or None, not {PyOps.TypeName(value)}"),
    };

    private static string RequiredString(object? value, string what) =>
        OptionalString(value, what) ?? throw new RenderError($"{what} must be str, not None");

    private static long OptionalLong(object? value, long fallback) => value switch
    {
        null => fallback,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new RenderError($"an integer is required, not '{PyOps.TypeName(value)}'"),
    };

    private static object? CallString(RenderContext ctx, string s, string name, CallArgs args)
    {
        switch (name)
        {
            case "strip": return PyText.Strip(s, OptionalString(args.Get(0, "chars"), "chars"), true, true);
            case "lstrip": return PyText.Strip(s, OptionalString(args.Get(0, "chars"), "chars"), true, false);
            case "rstrip": return PyText.Strip(s, OptionalString(args.Get(0, "chars"), "chars"), false, true);
            case "split":
                ctx.Tick(1 + s.Length / 16);
                return PyText.Split(s, OptionalString(args.Get(0, "sep"), "sep"), OptionalLong(args.Get(1, "maxsplit"), -1));
            case "rsplit":
                ctx.Tick(1 + s.Length / 16);
                return PyText.RSplit(s, OptionalString(args.Get(0, "sep"), "sep"), OptionalLong(args.Get(1, "maxsplit"), -1));
            case "splitlines": return PyText.SplitLines(s).ConvertAll(l => (object?)l);
            case "startswith": return Affix(s, args.Get(0, "prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal));
            case "endswith": return Affix(s, args.Get(0, "suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal));
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return PyText.TitleMethod(s);
            case "capitalize": return PyText.Capitalize(s);
            case "replace":
            {
                var old = RequiredString(args.Get(0, "old"), "old");
                var replacement = RequiredString(args.Get(1, "new"), "new");
                if (replacement.Length > old.Length)
                {
                    var occurrences = old.Length == 0 ? s.Length + 1 : s.Length / old.Length + 1;
                    ctx.CheckLength(s.Length + (long)occurrences * (replacement.Length - old.Length));
                }
                return PyText.Replace(s, old, replacement, OptionalLong(args.Get(2, "count"), -1));
            }
            case "find": return (long)IndexInCodePoints(s, s.IndexOf(RequiredString(args.Get(0, "sub"), "sub"), StringComparison.Ordinal));
            case "rfind": return (long)IndexInCodePoints(s, s.LastIndexOf(RequiredString(args.Get(0, "sub"), "sub"), StringComparison.Ordinal));
            case "count":
            {
                var sub = RequiredString(args.Get(0, "sub"), "sub");
                if (sub.Length == 0) return (long)PyText.Length(s) + 1;
                long n = 0;
                for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
                return n;
            }
            case "join":
            {
                var items = PyOps.Materialize(args.Get(0, "iterable"), ctx);
                ctx.Tick(items.Count);
                var parts = new List<string>();
                foreach (var item in items)
                {
                    parts.Add(item as string ?? throw new RenderError($"sequence item {parts.Count}: expected str instance, {PyOps.TypeName(item)} found"));
                }
                ctx.CheckLength(parts.Sum(p => (long)p.Length) + (long)s.Length * Math.Max(0, parts.Count - 1));
                return string.Join(s, parts);
            }
            case "isdigit": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(PyText.IsWhitespace);
            case "islower": return s.Any(char.IsLower) && !s.Any(char.IsUpper);
            case "isupper": return s.Any(char.IsUpper) && !s.Any(char.IsLower);
            case "center":
                return Filters.Apply(ctx, "center", s, new CallArgs([args.Get(0, "width")], []), new LiteralExpr(0, null));
            case "zfill":
            {
                var width = OptionalLong(args.Get(0, "width"), 0);
                var length = PyText.Length(s);
                if (width <= length) return s;
                ctx.CheckLength(width);
                var sign = s.Length > 0 && s[0] is '+' or '-' ? s[..1] : "";
                return sign + new string('0', (int)(width - length)) + s[sign.Length..];
            }
            default:
                throw new RenderError($"'str' object has no method '{name}'");
        }
    }

    private static int IndexInCodePoints(string s, int utf16Index) =>
        utf16Index <= 0 || !PyText.HasSurrogates(s) ? utf16Index : PyText.Length(s[..utf16Index]);

    private static bool Affix(string s, object? affix, Func<string, string, bool> test) => affix switch
    {
        string a => test(s, a),
        PyTuple tuple => tuple.Any(a => a is string t ? test(s, t) : throw new RenderError($"tuple for startswith/endswith must only contain str, not {PyOps.TypeName(a)}")),
        _ => throw new RenderError($"startswith/endswith argument must be str or a tuple of str, not {PyOps.TypeName(affix)}"),
    };

    private static object? CallDict(RenderContext ctx, PyDict d, string name, CallArgs args)
    {
        switch (name)
        {
            case "get":
                if (args.Positional.Count == 0) throw new RenderError("get expected at least 1 argument, got 0");
                return d.TryGetValue(args.Positional[0], out var value) ? value : args.Get(1, "default");
            case "keys":
                ctx.Tick(d.Count);
                return d.Keys.Cast<object?>().ToList();
            case "values":
                ctx.Tick(d.Count);
                return d.Values.ToList();
            case "items":
                ctx.Tick(d.Count);
                return d.Select(p => (object?)new PyTuple([p.Key, p.Value])).ToList();
            default:
                throw new RenderError($"'dict' object has no method '{name}'");
        }
    }

    private static object? CallSequence(IReadOnlyList<object?> list, string name, CallArgs args)
    {
        if (args.Positional.Count == 0) throw new RenderError($"{name}() takes exactly one argument (0 given)");
        var item = args.Positional[0];
        if (name == "count") return (long)list.Count(x => PyOps.ValueEquals(x, item));
        for (var i = 0; i < list.Count; i++)
        {
            if (PyOps.ValueEquals(list[i], item)) return (long)i;
        }
        throw new RenderError($"{PyFormat.Repr(item)} is not in list");
    }
}
