namespace Cinder.Core;

/// <summary>
/// A chat template (Jinja) could not be parsed or rendered. Says where (<see cref="Line"/> and <see cref="Column"/>
/// in the template, 1-based; 0 when the error has no position) and what (<see cref="Problem"/>).
/// </summary>
public class TemplateException : CinderException
{
    public TemplateException(string problem, int line, int column, string? templateName = null, Exception? inner = null)
        : base(Describe(problem, line, column, templateName), inner)
    {
        Problem = problem;
        Line = line;
        Column = column;
        TemplateName = templateName;
    }

    /// <summary>What was wrong, without the position.</summary>
    public string Problem { get; }

    /// <summary>1-based line in the template source, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column (UTF-16 code units) in the template source, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The template's name (a built-in name, or where it came from), if known.</summary>
    public string? TemplateName { get; }

    private static string Describe(string problem, int line, int column, string? name)
    {
        var what = name is null ? "chat template" : $"chat template '{name}'";
        return line > 0 ? $"{what} line {line}, column {column}: {problem}" : $"{what}: {problem}";
    }
}
