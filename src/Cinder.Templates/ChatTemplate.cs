namespace Cinder.Templates;

/// <summary>
/// Turns a conversation into the prompt text a model expects, with the model's chat template
/// (GGUF <c>tokenizer.chat_template</c>), a built-in one, or one given with <c>--chat-template</c>.
/// Parsed once; <see cref="Render"/> is thread-safe.
/// </summary>
/// <remarks>
/// The template sees what transformers' <c>apply_chat_template</c> passes: <c>messages</c> (dicts with role, content and
/// <see cref="ChatMessage.Fields"/>), <c>add_generation_prompt</c>, <c>bos_token</c> and <c>eos_token</c> when known,
/// <c>tools</c> and <c>documents</c> as None unless given, then the extra variables.
/// </remarks>
public sealed class ChatTemplate
{
    /// <summary>The built-in used when neither an override nor the model supplies a template (as llama.cpp does).</summary>
    public const string FallbackName = "chatml";

    private readonly JinjaTemplate _template;

    /// <param name="template">Template source text.</param>
    /// <param name="bosToken">The model's BOS token text, or null when it has none (then <c>bos_token</c> is undefined).</param>
    /// <param name="eosToken">The model's EOS token text, or null when it has none.</param>
    /// <param name="name">Name for error messages, e.g. "llama3" or "tokenizer.chat_template".</param>
    /// <param name="limits">Parse and render limits; <see cref="TemplateLimits.Default"/> when null.</param>
    /// <param name="timeProvider">Clock for <c>strftime_now</c>; the system clock when null.</param>
    /// <exception cref="TemplateSyntaxException">The template does not parse.</exception>
    public ChatTemplate(string template, string? bosToken = null, string? eosToken = null, string? name = null, TemplateLimits? limits = null, TimeProvider? timeProvider = null)
    {
        _template = JinjaTemplate.Parse(template, name, limits, timeProvider);
        BosToken = bosToken;
        EosToken = eosToken;
    }

    public string Source => _template.Source;

    public string? Name => _template.Name;

    public string? BosToken { get; }

    public string? EosToken { get; }

    /// <summary>A built-in template by name (see <see cref="BuiltInChatTemplates.Names"/>).</summary>
    public static ChatTemplate FromBuiltIn(string name, string? bosToken = null, string? eosToken = null, TemplateLimits? limits = null, TimeProvider? timeProvider = null) =>
        new(BuiltInChatTemplates.Get(name), bosToken, eosToken, name.ToLowerInvariant(), limits, timeProvider);

    /// <summary>
    /// Picks the template the way the server should: an override (<c>--chat-template</c>: a built-in name, or template
    /// text containing <c>{{</c> or <c>{%</c>) wins; else the model's own template; else <see cref="FallbackName"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The override is neither a built-in name nor template text.</exception>
    public static ChatTemplate Resolve(string? chatTemplateOverride, string? modelTemplate, string? bosToken, string? eosToken, TemplateLimits? limits = null, TimeProvider? timeProvider = null)
    {
        if (!string.IsNullOrWhiteSpace(chatTemplateOverride))
        {
            if (BuiltInChatTemplates.TryGet(chatTemplateOverride.Trim(), out var builtIn))
            {
                return new ChatTemplate(builtIn, bosToken, eosToken, chatTemplateOverride.Trim().ToLowerInvariant(), limits, timeProvider);
            }
            if (chatTemplateOverride.Contains("{{", StringComparison.Ordinal) || chatTemplateOverride.Contains("{%", StringComparison.Ordinal))
            {
                return new ChatTemplate(chatTemplateOverride, bosToken, eosToken, "--chat-template", limits, timeProvider);
            }
            throw new ArgumentException(
                $"--chat-template '{chatTemplateOverride}' is neither a built-in template ({string.Join(", ", BuiltInChatTemplates.Names)}) nor template text",
                nameof(chatTemplateOverride));
        }
        if (!string.IsNullOrWhiteSpace(modelTemplate))
        {
            return new ChatTemplate(modelTemplate, bosToken, eosToken, "tokenizer.chat_template", limits, timeProvider);
        }
        return new ChatTemplate(BuiltInChatTemplates.Get(FallbackName), bosToken, eosToken, FallbackName, limits, timeProvider);
    }

    /// <summary>Renders the prompt for <paramref name="messages"/>.</summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="addGenerationPrompt">Append the assistant turn header so the model answers next.</param>
    /// <param name="extra">More template variables (e.g. <c>tools</c>, <c>date_string</c>); they may replace
    /// <c>bos_token</c>/<c>eos_token</c>/<c>tools</c>/<c>documents</c> but not <c>messages</c> or <c>add_generation_prompt</c>.</param>
    /// <exception cref="TemplateRaisedException">The template rejected the conversation (e.g. roles do not alternate).</exception>
    /// <exception cref="TemplateLimitException">Rendering hit a <see cref="TemplateLimits"/> limit.</exception>
    /// <exception cref="Core.TemplateException">Any other render error.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new List<object?>(messages.Count);
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = message.Role, ["content"] = message.Content };
            if (message.Fields is not null)
            {
                foreach (var (key, value) in message.Fields)
                {
                    if (key is "role" or "content") throw new ArgumentException($"ChatMessage.Fields cannot set '{key}'", nameof(messages));
                    fields[key] = value;
                }
            }
            list.Add(fields);
        }

        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tools"] = null,
            ["documents"] = null,
        };
        if (BosToken is not null) variables["bos_token"] = BosToken;
        if (EosToken is not null) variables["eos_token"] = EosToken;
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (key is "messages" or "add_generation_prompt") throw new ArgumentException($"extra variables cannot set '{key}'", nameof(extra));
                variables[key] = value;
            }
        }
        variables["messages"] = list;
        variables["add_generation_prompt"] = addGenerationPrompt;
        return _template.Render(variables);
    }
}
