namespace Cinder.Templates.Jinja;

/// <summary>A node of the template syntax tree; <see cref="Offset"/> locates it in the normalized source for errors.</summary>
internal abstract class Node(int offset)
{
    public int Offset => offset;
}

/// <summary>An expression. Evaluation attaches this node's line and column to errors raised below it.</summary>
internal abstract class Expr(int offset) : Node(offset)
{
    public object? Eval(RenderContext ctx, Scope scope)
    {
        RenderContext.EnsureStack();
        try
        {
            return EvalCore(ctx, scope);
        }
        catch (RenderError e)
        {
            throw ctx.Locate(e, this);
        }
        catch (LimitError e)
        {
            throw ctx.Locate(e, this);
        }
    }

    protected abstract object? EvalCore(RenderContext ctx, Scope scope);
}

internal sealed class LiteralExpr(int offset, object? value) : Expr(offset)
{
    public object? Value => value;

    protected override object? EvalCore(RenderContext ctx, Scope scope) => value;
}

internal sealed class NameExpr(int offset, string name) : Expr(offset)
{
    public string Name => name;

    protected override object? EvalCore(RenderContext ctx, Scope scope) =>
        scope.TryLookup(name, out var value) ? value : new Undefined($"'{name}' is undefined");
}

internal sealed class ListExpr(int offset, List<Expr> items) : Expr(offset)
{
    public List<Expr> Items => items;

    protected override object? EvalCore(RenderContext ctx, Scope scope) => items.ConvertAll(i => i.Eval(ctx, scope));
}

internal sealed class TupleExpr(int offset, List<Expr> items) : Expr(offset)
{
    public List<Expr> Items => items;

    protected override object? EvalCore(RenderContext ctx, Scope scope) => new PyTuple([.. items.Select(i => i.Eval(ctx, scope))]);
}

internal sealed class DictExpr(int offset, List<(Expr Key, Expr Value)> pairs) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var dict = new PyDict();
        foreach (var (key, value) in pairs)
        {
            var k = key.Eval(ctx, scope);
            if (k is Undefined u) throw PyOps.UndefinedError(u);
            dict.Set(k, value.Eval(ctx, scope));
        }
        return dict;
    }
}

internal sealed class GetAttrExpr(int offset, Expr target, string name) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope) => PyOps.GetAttribute(target.Eval(ctx, scope), name);
}

internal sealed class GetItemExpr(int offset, Expr target, Expr key) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope) => PyOps.GetItem(target.Eval(ctx, scope), key.Eval(ctx, scope));
}

internal sealed class SliceExpr(int offset, Expr target, Expr? start, Expr? stop, Expr? step) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope) =>
        PyOps.Slice(target.Eval(ctx, scope), start?.Eval(ctx, scope), stop?.Eval(ctx, scope), step?.Eval(ctx, scope), ctx);
}

internal enum ArgKind
{
    Positional,
    Named,
    Star,
    DoubleStar,
}

internal sealed record Arg(ArgKind Kind, string? Name, Expr Value);

internal static class ArgEvaluator
{
    public static CallArgs Evaluate(List<Arg> args, RenderContext ctx, Scope scope)
    {
        if (args.Count == 0) return new CallArgs([], []);
        var positional = new List<object?>();
        var named = new List<KeyValuePair<string, object?>>();
        foreach (var arg in args)
        {
            var value = arg.Value.Eval(ctx, scope);
            switch (arg.Kind)
            {
                case ArgKind.Positional:
                    positional.Add(value);
                    break;
                case ArgKind.Named:
                    named.Add(new(arg.Name!, value));
                    break;
                case ArgKind.Star:
                    positional.AddRange(PyOps.Materialize(value, ctx));
                    break;
                case ArgKind.DoubleStar:
                    if (value is not PyDict dict) throw new RenderError($"argument after ** must be a mapping, not {PyOps.TypeName(value)}");
                    foreach (var (k, v) in dict)
                    {
                        if (k is not string name) throw new RenderError("keywords must be strings");
                        named.Add(new(name, v));
                    }
                    break;
            }
        }
        return new CallArgs(positional, named);
    }
}

internal sealed class CallExpr(int offset, Expr callee, List<Arg> args) : Expr(offset)
{
    public Expr Callee => callee;

    public List<Arg> Args => args;

    protected override object? EvalCore(RenderContext ctx, Scope scope) => Invoke(ctx, scope, extraCaller: null);

    /// <summary>Calls with an extra <c>caller</c> keyword, for <c>{% call %}</c> blocks.</summary>
    public object? Invoke(RenderContext ctx, Scope scope, ICallable? extraCaller)
    {
        var target = callee.Eval(ctx, scope);
        var evaluated = ArgEvaluator.Evaluate(args, ctx, scope);
        if (extraCaller is not null) evaluated.Named.Add(new("caller", extraCaller));
        return target switch
        {
            ICallable callable => callable.Invoke(ctx, evaluated, this),
            Undefined u => throw PyOps.UndefinedError(u),
            _ => throw new RenderError($"'{PyOps.TypeName(target)}' object is not callable"),
        };
    }
}

internal sealed class FilterExpr(int offset, Expr? input, string name, List<Arg> args) : Expr(offset)
{
    public string Name => name;

    protected override object? EvalCore(RenderContext ctx, Scope scope) => Apply(ctx, scope, input!.Eval(ctx, scope));

    public object? Apply(RenderContext ctx, Scope scope, object? value)
    {
        try
        {
            return Filters.Apply(ctx, name, value, ArgEvaluator.Evaluate(args, ctx, scope), this);
        }
        catch (RenderError e)
        {
            throw ctx.Locate(new RenderError($"filter '{name}': {e.Message}"), this);
        }
    }
}

internal sealed class TestExpr(int offset, Expr input, string name, List<Arg> args, bool negated) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var value = input.Eval(ctx, scope);
        var result = Tests.Apply(ctx, name, value, ArgEvaluator.Evaluate(args, ctx, scope));
        return negated ? !result : result;
    }
}

internal sealed class NotExpr(int offset, Expr operand) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope) => !PyOps.Truthy(operand.Eval(ctx, scope));
}

internal sealed class NegExpr(int offset, Expr operand, bool negative) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var value = operand.Eval(ctx, scope);
        return negative ? PyOps.Negate(value) : PyOps.Plus(value);
    }
}

internal sealed class AndExpr(int offset, Expr left, Expr right) : Expr(offset)
{
    // Python's 'and' returns an operand, not a bool.
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var l = left.Eval(ctx, scope);
        return PyOps.Truthy(l) ? right.Eval(ctx, scope) : l;
    }
}

internal sealed class OrExpr(int offset, Expr left, Expr right) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var l = left.Eval(ctx, scope);
        return PyOps.Truthy(l) ? l : right.Eval(ctx, scope);
    }
}

internal sealed class BinaryExpr(int offset, string op, Expr left, Expr right) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var l = left.Eval(ctx, scope);
        var r = right.Eval(ctx, scope);
        return op switch
        {
            "+" => PyOps.Add(l, r, ctx),
            "-" => PyOps.Subtract(l, r),
            "*" => PyOps.Multiply(l, r, ctx),
            "/" => PyOps.Divide(l, r),
            "//" => PyOps.FloorDivide(l, r),
            "%" => PyOps.Modulo(l, r),
            "**" => PyOps.Power(l, r),
            _ => throw new InvalidOperationException(op),
        };
    }
}

/// <summary><c>a ~ b ~ c</c>: string concatenation of the operands' printed forms.</summary>
internal sealed class ConcatExpr(int offset, List<Expr> parts) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var texts = parts.ConvertAll(p => PyFormat.Str(p.Eval(ctx, scope)));
        ctx.CheckLength(texts.Sum(t => (long)t.Length));
        return string.Concat(texts);
    }
}

/// <summary>Chained comparison <c>a &lt; b &lt;= c</c>, each operand evaluated once, as in Python.</summary>
internal sealed class CompareExpr(int offset, Expr first, List<(string Op, Expr Operand)> rest) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        var left = first.Eval(ctx, scope);
        foreach (var (op, operand) in rest)
        {
            var right = operand.Eval(ctx, scope);
            var ok = op switch
            {
                "==" => PyOps.ValueEquals(left, right),
                "!=" => !PyOps.ValueEquals(left, right),
                "<" => PyOps.Compare(left, right, op) < 0,
                "<=" => PyOps.Compare(left, right, op) <= 0,
                ">" => PyOps.Compare(left, right, op) > 0,
                ">=" => PyOps.Compare(left, right, op) >= 0,
                "in" => PyOps.Contains(right, left),
                "notin" => !PyOps.Contains(right, left),
                _ => throw new InvalidOperationException(op),
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }
}

internal sealed class CondExpr(int offset, Expr test, Expr then, Expr? otherwise) : Expr(offset)
{
    protected override object? EvalCore(RenderContext ctx, Scope scope)
    {
        if (PyOps.Truthy(test.Eval(ctx, scope))) return then.Eval(ctx, scope);
        return otherwise is null ? new Undefined("the condition was false and the expression has no else part") : otherwise.Eval(ctx, scope);
    }
}
