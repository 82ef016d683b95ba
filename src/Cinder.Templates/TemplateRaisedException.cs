using Cinder.Core;

namespace Cinder.Templates;

/// <summary>
/// The template itself rejected its input through <c>raise_exception(message)</c>, e.g. "Conversation roles must
/// alternate user/assistant/user/assistant/...". The request was wrong, not the template: <see cref="TemplateException.Problem"/>
/// is the template's own message.
/// </summary>
public sealed class TemplateRaisedException : TemplateException
{
    public TemplateRaisedException(string message, int line, int column, string? templateName = null)
        : base(message, line, column, templateName) { }
}
