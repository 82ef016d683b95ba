using System.Runtime.CompilerServices;
using System.Text;
using Cinder.Core;

namespace Cinder.Templates.Jinja;

/// <summary>Variables visible at one level: the template, a loop iteration, a macro call.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent => parent;

    public bool TryLookup(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._vars.TryGetValue(name, out value)) return true;
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _vars[name] = value;
}

/// <summary>
/// Everything one render owns: output buffers, the work budget, call depth. A parsed template is shared and
/// immutable; each render gets its own context, which is what makes concurrent renders safe.
/// </summary>
internal sealed class RenderContext(TemplateLimits limits, SourceMap map, string? templateName, TimeProvider time)
{
    private readonly Stack<StringBuilder> _buffers = new([new StringBuilder()]);
    private long _work;

    public TemplateLimits Limits => limits;

    public TimeProvider Time => time;

    public int CallDepth { get; set; }

    public StringBuilder Output => _buffers.Peek();

    public void Write(string text)
    {
        var buffer = _buffers.Peek();
        if (buffer.Length + (long)text.Length > limits.MaxOutputLength)
        {
            throw new LimitError($"output exceeds the limit of {limits.MaxOutputLength} characters (TemplateLimits.MaxOutputLength)");
        }
        buffer.Append(text);
    }

    /// <summary>Renders into a fresh buffer (block set, macro body, filter block) and returns what was written.</summary>
    public string Capture(Action render) => Capture(() => { render(); return Flow.Normal; }, out _);

    /// <summary>As <see cref="Capture(Action)"/>, also reporting a break or continue that left the body.</summary>
    public string Capture(Func<Flow> render, out Flow flow)
    {
        _buffers.Push(new StringBuilder());
        try
        {
            flow = render();
            return _buffers.Peek().ToString();
        }
        finally
        {
            _buffers.Pop();
        }
    }

    /// <summary>Counts <paramref name="units"/> of work (loop iterations, macro calls, collection elements).</summary>
    public void Tick(long units = 1)
    {
        _work += units;
        if (_work > limits.MaxIterations)
        {
            throw new LimitError($"render exceeds the work limit of {limits.MaxIterations} loop iterations, macro calls and collection elements (TemplateLimits.MaxIterations)");
        }
    }

    public string CheckedConcat(string a, string b)
    {
        CheckLength((long)a.Length + b.Length);
        return string.Concat(a, b);
    }

    public void CheckLength(long length)
    {
        if (length > limits.MaxOutputLength)
        {
            throw new LimitError($"string would exceed the limit of {limits.MaxOutputLength} characters (TemplateLimits.MaxOutputLength)");
        }
    }

    /// <summary>Guards every recursive step: a deeply nested template fails cleanly instead of overflowing the stack.</summary>
    public static void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw new LimitError("template is nested too deeply to render");
    }

    public TemplateException Locate(Exception error, Node site)
    {
        var (line, column) = map.Locate(site.Offset);
        return error switch
        {
            LimitError => new TemplateLimitException(error.Message, line, column, templateName),
            _ => new TemplateException(error.Message, line, column, templateName),
        };
    }

    public TemplateRaisedException Raised(string message, Node site)
    {
        var (line, column) = map.Locate(site.Offset);
        return new TemplateRaisedException(message, line, column, templateName);
    }
}
