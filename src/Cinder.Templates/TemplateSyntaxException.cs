using Cinder.Core;

namespace Cinder.Templates;

/// <summary>The template source is not valid (in the supported Jinja subset): unknown tag, filter or test, unbalanced block, bad token.</summary>
public sealed class TemplateSyntaxException : TemplateException
{
    public TemplateSyntaxException(string problem, int line, int column, string? templateName = null)
        : base(problem, line, column, templateName) { }
}
