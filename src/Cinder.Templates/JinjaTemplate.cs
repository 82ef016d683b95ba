using Cinder.Core;
using Cinder.Templates.Jinja;

namespace Cinder.Templates;

/// <summary>
/// A parsed Jinja template in the subset real chat templates use, configured as Hugging Face transformers
/// configures Jinja for them (trim_blocks, lstrip_blocks, loop controls, immutable sandbox, its <c>tojson</c>,
/// <c>raise_exception</c> and <c>strftime_now</c>). Parse once, render many times, from any number of threads.
/// </summary>
/// <remarks>
/// Values follow Python: <c>{{ none }}</c> prints "None", booleans "True"/"False", floats as Python's repr, lists and
/// dicts as Python literals. Undefined names print as empty, are falsy and iterate as empty; attribute access on them
/// and arithmetic with them fail with a <see cref="TemplateException"/>, as with Jinja's default Undefined.
/// </remarks>
public sealed class JinjaTemplate
{
    private static readonly Scope GlobalScope = Globals.CreateScope();

    private readonly List<Stmt> _body;
    private readonly SourceMap _map;
    private readonly TimeProvider _time;

    private JinjaTemplate(string source, string? name, TemplateLimits limits, TimeProvider time, List<Stmt> body, SourceMap map)
    {
        Source = source;
        Name = name;
        Limits = limits;
        _time = time;
        _body = body;
        _map = map;
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Name used in error messages (a built-in name, or where the template came from).</summary>
    public string? Name { get; }

    public TemplateLimits Limits { get; }

    /// <summary>Parses <paramref name="source"/>; a <see cref="TemplateSyntaxException"/> gives the line and column of the problem.</summary>
    /// <param name="source">Template text.</param>
    /// <param name="name">Name for error messages.</param>
    /// <param name="limits">Parse and render limits; <see cref="TemplateLimits.Default"/> when null.</param>
    /// <param name="timeProvider">Clock for <c>strftime_now</c> (local time, as transformers uses); the system clock by default.</param>
    public static JinjaTemplate Parse(string source, string? name = null, TemplateLimits? limits = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        limits ??= TemplateLimits.Default;
        if (source.Length > limits.MaxTemplateLength)
        {
            throw new TemplateLimitException($"template is {source.Length} characters long; the limit is {limits.MaxTemplateLength} (TemplateLimits.MaxTemplateLength)", 0, 0, name);
        }
        var normalized = Lexer.Normalize(source);
        var map = new SourceMap(normalized);
        var tokens = Lexer.Tokenize(normalized, map, name);
        var body = Parser.Parse(tokens, map, name, limits.MaxNestingDepth);
        return new JinjaTemplate(source, name, limits, timeProvider ?? TimeProvider.System, body, map);
    }

    /// <summary>
    /// Renders with the given variables: strings, numbers, booleans, null, lists, string-keyed dictionaries,
    /// <see cref="System.Text.Json.JsonElement"/> or <see cref="System.Text.Json.Nodes.JsonNode"/>.
    /// </summary>
    /// <exception cref="TemplateRaisedException">The template called <c>raise_exception</c>.</exception>
    /// <exception cref="TemplateLimitException">A <see cref="TemplateLimits"/> limit was hit.</exception>
    /// <exception cref="TemplateException">Any other render error (type error, undefined value used).</exception>
    /// <exception cref="ArgumentException">A variable holds a value of an unsupported type.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var data = new Scope(GlobalScope);
        foreach (var (key, value) in variables) data.Set(key, ValueConverter.FromClr(value));
        var ctx = new RenderContext(Limits, _map, Name, _time);
        var top = new Scope(data);
        try
        {
            Stmt.RenderAll(_body, ctx, top);
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception e) when (e is RenderError or LimitError)
        {
            throw e is LimitError ? new TemplateLimitException(e.Message, 0, 0, Name) : new TemplateException(e.Message, 0, 0, Name, e);
        }
        catch (Exception e) when (e is InvalidCastException or InvalidOperationException or IndexOutOfRangeException or ArgumentException or OverflowException or NullReferenceException)
        {
            // A bug in the engine must not surface as a stack trace for what is, to the user, a bad template.
            throw new TemplateException($"internal error while rendering ({e.GetType().Name}: {e.Message})", 0, 0, Name, e);
        }
        return ctx.Output.ToString();
    }

    /// <summary>Names of the supported filters.</summary>
    public static IReadOnlyCollection<string> FilterNames { get; } = [.. Filters.Names.Order(StringComparer.Ordinal)];

    /// <summary>Names of the supported tests.</summary>
    public static IReadOnlyCollection<string> TestNames { get; } = [.. Tests.Names.Order(StringComparer.Ordinal)];
}
