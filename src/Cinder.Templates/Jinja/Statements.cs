namespace Cinder.Templates.Jinja;

/// <summary>How a statement finished: normally, or through <c>{% break %}</c> / <c>{% continue %}</c>.</summary>
internal enum Flow
{
    Normal,
    Break,
    Continue,
}

internal abstract class Stmt(int offset) : Node(offset)
{
    public Flow Render(RenderContext ctx, Scope scope)
    {
        RenderContext.EnsureStack();
        try
        {
            return RenderCore(ctx, scope);
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

    protected abstract Flow RenderCore(RenderContext ctx, Scope scope);

    public static Flow RenderAll(List<Stmt> body, RenderContext ctx, Scope scope)
    {
        foreach (var stmt in body)
        {
            var flow = stmt.Render(ctx, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }
}

internal sealed class TextStmt(int offset, string text) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        ctx.Write(text);
        return Flow.Normal;
    }
}

internal sealed class OutputStmt(int offset, Expr expr) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        ctx.Write(PyFormat.Str(expr.Eval(ctx, scope)));
        return Flow.Normal;
    }
}

internal sealed class IfStmt(int offset, List<(Expr Test, List<Stmt> Body)> branches, List<Stmt>? otherwise) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        foreach (var (test, body) in branches)
        {
            if (PyOps.Truthy(test.Eval(ctx, scope))) return RenderAll(body, ctx, scope);
        }
        return otherwise is null ? Flow.Normal : RenderAll(otherwise, ctx, scope);
    }
}

/// <summary>What a <c>set</c> or <c>for</c> assigns to: a name, a namespace attribute, or a tuple of targets.</summary>
internal abstract class Target(int offset) : Node(offset)
{
    public abstract void Assign(RenderContext ctx, Scope scope, object? value);
}

internal sealed class NameTarget(int offset, string name) : Target(offset)
{
    public string Name => name;

    public override void Assign(RenderContext ctx, Scope scope, object? value) => scope.Set(name, value);
}

internal sealed class NamespaceTarget(int offset, string name, string attribute) : Target(offset)
{
    public override void Assign(RenderContext ctx, Scope scope, object? value)
    {
        if (!scope.TryLookup(name, out var obj) || obj is not Namespace ns)
        {
            throw new RenderError($"cannot assign attribute '{attribute}' on '{name}': it is not a namespace() object");
        }
        ns.Attributes.Set(attribute, value);
    }
}

internal sealed class TupleTarget(int offset, List<Target> items) : Target(offset)
{
    public override void Assign(RenderContext ctx, Scope scope, object? value)
    {
        var values = value switch
        {
            IReadOnlyList<object?> list when value is not RangeValue => list,
            string or PyDict or RangeValue => PyOps.Materialize(value, ctx),
            Undefined u => throw PyOps.UndefinedError(u),
            _ => throw new RenderError($"cannot unpack non-iterable {PyOps.TypeName(value)} object"),
        };
        if (values.Count != items.Count)
        {
            throw new RenderError(values.Count > items.Count
                ? $"too many values to unpack (expected {items.Count})"
                : $"not enough values to unpack (expected {items.Count}, got {values.Count})");
        }
        for (var i = 0; i < items.Count; i++) items[i].Assign(ctx, scope, values[i]);
    }
}

internal sealed class ForStmt(int offset, Target target, Expr iterable, Expr? condition, List<Stmt> body, List<Stmt>? otherwise) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        var items = PyOps.Materialize(iterable.Eval(ctx, scope), ctx);
        if (condition is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                ctx.Tick();
                var filterScope = new Scope(scope);
                target.Assign(ctx, filterScope, item);
                if (PyOps.Truthy(condition.Eval(ctx, filterScope))) kept.Add(item);
            }
            items = kept;
        }

        // loop.depth counts recursive loops only, which are not supported, so it is always 1.
        var loop = new LoopContext(items, depth: 1);
        // Jinja renders the else block unless some iteration ran to its end: its generated code clears the flag
        // after the body, so an iteration left by break or continue does not count. Kept for fidelity.
        var completedAnIteration = false;
        for (var i = 0; i < items.Count; i++)
        {
            ctx.Tick();
            // Each iteration gets a fresh scope, as in Jinja: a plain set inside the body neither survives the
            // iteration nor leaks out of the loop (templates use namespace() for that).
            var iteration = new Scope(scope);
            loop.Index0 = i;
            iteration.Set("loop", loop);
            target.Assign(ctx, iteration, items[i]);
            var flow = RenderAll(body, ctx, iteration);
            if (flow == Flow.Break) break;
            if (flow == Flow.Normal) completedAnIteration = true;
        }
        return completedAnIteration || otherwise is null ? Flow.Normal : RenderAll(otherwise, ctx, scope);
    }
}

internal sealed class BreakStmt(int offset) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope) => Flow.Break;
}

internal sealed class ContinueStmt(int offset) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope) => Flow.Continue;
}

internal sealed class SetStmt(int offset, Target target, Expr value) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        target.Assign(ctx, scope, value.Eval(ctx, scope));
        return Flow.Normal;
    }
}

/// <summary><c>{% set x | filter %}...{% endset %}</c>: captures the rendered body as a string.</summary>
internal sealed class SetBlockStmt(int offset, Target target, List<FilterExpr> filters, List<Stmt> body) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        // The body has its own scope (Jinja renders it in an inner frame), but it is inline code of any enclosing
        // loop: break/continue inside it leave the loop, and the assignment is skipped.
        object? value = ctx.Capture(() => RenderAll(body, ctx, new Scope(scope)), out var flow);
        if (flow != Flow.Normal) return flow;
        foreach (var filter in filters) value = filter.Apply(ctx, scope, value);
        target.Assign(ctx, scope, value);
        return Flow.Normal;
    }
}

internal sealed class FilterBlockStmt(int offset, List<FilterExpr> filters, List<Stmt> body) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        object? value = ctx.Capture(() => RenderAll(body, ctx, new Scope(scope)), out var flow);
        if (flow != Flow.Normal) return flow;
        foreach (var filter in filters) value = filter.Apply(ctx, scope, value);
        ctx.Write(PyFormat.Str(value));
        return Flow.Normal;
    }
}

internal sealed class WithStmt(int offset, List<(Target Target, Expr Value)> assignments, List<Stmt> body) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        var inner = new Scope(scope);
        foreach (var (target, value) in assignments) target.Assign(ctx, inner, value.Eval(ctx, scope));
        return RenderAll(body, ctx, inner);
    }
}

/// <summary>A body rendered as is: transformers' <c>{% generation %}</c> marker block.</summary>
internal sealed class PlainBlockStmt(int offset, List<Stmt> body) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope) => RenderAll(body, ctx, scope);
}

internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary>The definition of a macro (or of a call block's body); binding it to a scope makes it callable.</summary>
internal sealed class MacroDefinition(int offset, string name, List<MacroParameter> parameters, List<Stmt> body) : Node(offset)
{
    public string Name => name;

    public List<MacroParameter> Parameters => parameters;

    public List<Stmt> Body => body;
}

internal sealed class Macro(MacroDefinition definition, Scope closure) : ICallable
{
    public string Name => definition.Name;

    public object? Invoke(RenderContext ctx, CallArgs args, Node site)
    {
        if (ctx.CallDepth >= ctx.Limits.MaxCallDepth)
        {
            throw new LimitError($"macro calls nest deeper than {ctx.Limits.MaxCallDepth} (TemplateLimits.MaxCallDepth)");
        }
        ctx.Tick();
        var scope = new Scope(closure);
        var parameters = definition.Parameters;
        var extraPositional = new List<object?>();
        for (var i = 0; i < args.Positional.Count; i++)
        {
            if (i < parameters.Count) scope.Set(parameters[i].Name, args.Positional[i]);
            else extraPositional.Add(args.Positional[i]);
        }
        var extraNamed = new PyDict();
        foreach (var (key, value) in args.Named)
        {
            var index = parameters.FindIndex(p => p.Name == key);
            if (index >= 0 && index < args.Positional.Count) throw new RenderError($"macro '{Name}' got multiple values for argument '{key}'");
            if (index >= 0 || key == "caller") scope.Set(key, value);
            else extraNamed.Set(key, value);
        }
        for (var i = args.Positional.Count; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (args.Named.Exists(p => p.Key == parameter.Name)) continue;
            scope.Set(parameter.Name, parameter.Default is null
                ? new Undefined($"parameter '{parameter.Name}' was not provided")
                : parameter.Default.Eval(ctx, scope));
        }
        scope.Set("varargs", new PyTuple([.. extraPositional]));
        scope.Set("kwargs", extraNamed);

        ctx.CallDepth++;
        try
        {
            return ctx.Capture(() => Stmt.RenderAll(definition.Body, ctx, scope));
        }
        finally
        {
            ctx.CallDepth--;
        }
    }
}

internal sealed class MacroStmt(int offset, MacroDefinition definition) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        scope.Set(definition.Name, new Macro(definition, scope));
        return Flow.Normal;
    }
}

/// <summary><c>{% call(args) macro(...) %}body{% endcall %}</c>: the body becomes the macro's <c>caller</c>.</summary>
internal sealed class CallBlockStmt(int offset, CallExpr call, MacroDefinition callerBody) : Stmt(offset)
{
    protected override Flow RenderCore(RenderContext ctx, Scope scope)
    {
        var caller = new Macro(callerBody, scope);
        ctx.Write(PyFormat.Str(call.Invoke(ctx, scope, caller)));
        return Flow.Normal;
    }
}
