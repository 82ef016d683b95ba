using Cinder.Core;

namespace Cinder.Templates;

/// <summary>Parsing or rendering hit one of the <see cref="TemplateLimits"/>; the message names the limit and its value.</summary>
public sealed class TemplateLimitException : TemplateException
{
    public TemplateLimitException(string problem, int line, int column, string? templateName = null)
        : base(problem, line, column, templateName) { }
}
