using Cinder.Engine;
using Cinder.Models;
using Cinder.Templates;
using Cinder.Tokenizers;

namespace Cinder.Server;

/// <summary>
/// A loaded model ready to serve: the model, its tokenizer, the inference engine over it and the chat template.
/// Turns conversations and prompts into token ids (on the caller's thread, never the engine's) and checks them against
/// the context. The HTTP server and the in-process <see cref="InProcess.CinderChatClient"/> both sit on it.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly LanguageModel _model;

    private ModelHost(LanguageModel model, InferenceEngine engine, ChatTemplate template, string templateDescription, string id)
    {
        _model = model;
        Engine = engine;
        ChatTemplate = template;
        ChatTemplateDescription = templateDescription;
        ModelId = id;
    }

    /// <summary>The name clients use in "model" (--alias, else the file name without extension).</summary>
    public string ModelId { get; }

    public LanguageModel Model => _model;

    public Tokenizer Tokenizer => _model.Tokenizer;

    public InferenceEngine Engine { get; }

    public ChatTemplate ChatTemplate { get; }

    /// <summary>Where the chat template came from, for the startup log (e.g. "built-in chatml (the model has no tokenizer.chat_template)").</summary>
    public string ChatTemplateDescription { get; }

    /// <summary>Longest sequence, prompt plus generation.</summary>
    public int ContextLength => Engine.ContextLength;

    /// <summary>Loads the model and starts its engine. Errors are <see cref="Core.CinderException"/>s with one-line messages.</summary>
    public static ModelHost Load(ModelHostOptions options, IEngineObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ContextSize < 0) throw new ServerConfigurationException($"--ctx-size must be 0 (the model's) or positive, got {options.ContextSize}");
        if (options.Threads < 0) throw new ServerConfigurationException($"--threads must be 0 (one per core) or positive, got {options.Threads}");
        if (options.Parallel < 1) throw new ServerConfigurationException($"--parallel must be at least 1, got {options.Parallel}");
        if (options.KvSize < 0) throw new ServerConfigurationException($"--kv-size must be 0 (context times parallel) or positive, got {options.KvSize}");
        if (options.MaxQueue < 0) throw new ServerConfigurationException($"--max-queue must be 0 or positive, got {options.MaxQueue}");
        if (!File.Exists(options.ModelPath)) throw new FileNotFoundException($"model file not found: {options.ModelPath}", options.ModelPath);

        var model = ModelLoader.Load(options.ModelPath);
        try
        {
            var (template, description) = ResolveTemplate(options.ChatTemplate, model);
            int context = options.ContextSize > 0 ? Math.Min(options.ContextSize, model.ContextLength) : model.ContextLength;
            var engine = new InferenceEngine(model, model.Tokenizer, new EngineOptions
            {
                Threads = options.Threads,
                MaxRunning = options.Parallel,
                ContextLength = context,
                KvTokens = options.KvSize > 0 ? options.KvSize : checked(context * options.Parallel),
                MaxQueue = options.MaxQueue,
                PrefixCaching = options.PrefixCaching,
            }, observer);
            string id = string.IsNullOrWhiteSpace(options.Alias) ? Path.GetFileNameWithoutExtension(options.ModelPath) : options.Alias.Trim();
            return new ModelHost(model, engine, template, description, id);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Bytes of KV cache the engine holds (F16 keys and values for every layer and token).</summary>
    public long KvCacheBytes => (long)Engine.KvCapacity * _model.LayerCount * _model.KvDim * 2 * sizeof(short);

    /// <summary>
    /// The prompt ids of a conversation: the chat template rendered with the assistant's turn opened, then tokenized
    /// with special tokens recognised, as llama.cpp's server does. A BOS the template writes itself is not doubled.
    /// </summary>
    public int[] TokenizeChat(IReadOnlyList<Templates.ChatMessage> messages)
    {
        string text = ChatTemplate.Render(messages, addGenerationPrompt: true);
        var tokenizer = Tokenizer;
        if (tokenizer.AddBos && ChatTemplate.BosToken is { Length: > 0 } bos && text.StartsWith(bos, StringComparison.Ordinal)) text = text[bos.Length..];
        return tokenizer.Encode(text, addSpecial: true, parseSpecial: true);
    }

    /// <summary>The prompt ids of a completion prompt, tokenized as <c>cinder run</c> does (BOS added, special tokens recognised).</summary>
    public int[] TokenizePrompt(string prompt) => Tokenizer.Encode(prompt, addSpecial: true, parseSpecial: true);

    /// <summary>
    /// The number of tokens to generate: <paramref name="requested"/> when prompt plus it fit the context, else a
    /// <see cref="ContextLengthExceededException"/> (never a silent cut); with no request, what is left of the context.
    /// </summary>
    public int MaxNewTokens(int promptTokens, int? requested, string promptParam)
    {
        if (requested is { } m)
        {
            if (promptTokens + (long)m > ContextLength) throw new ContextLengthExceededException(promptTokens, m, ContextLength, promptTokens >= ContextLength ? promptParam : "max_tokens");
            return m;
        }
        int left = ContextLength - promptTokens;
        if (left < 1) throw new ContextLengthExceededException(promptTokens, null, ContextLength, promptParam);
        return left;
    }

    private static (ChatTemplate Template, string Description) ResolveTemplate(string? choice, LanguageModel model)
    {
        var tokenizer = model.Tokenizer;
        string? bos = tokenizer.BosId >= 0 ? tokenizer.TokenPiece(tokenizer.BosId) : null;
        string? eos = tokenizer.EosId >= 0 ? tokenizer.TokenPiece(tokenizer.EosId) : null;
        string? own = model.File.Metadata.GetStringOrNull("tokenizer.chat_template");
        if (!string.IsNullOrWhiteSpace(choice))
        {
            choice = choice.Trim();
            if (BuiltInChatTemplates.TryGet(choice, out var builtIn))
                return (new ChatTemplate(builtIn, bos, eos, choice.ToLowerInvariant()), $"built-in {choice.ToLowerInvariant()} (--chat-template)");
            if (File.Exists(choice))
            {
                string text = File.ReadAllText(choice);
                if (!LooksLikeTemplate(text)) throw new ServerConfigurationException($"--chat-template file {choice} holds no Jinja template ({{{{ ... }}}} or {{% ... %}})");
                return (new ChatTemplate(text, bos, eos, Path.GetFileName(choice)), $"from {choice} (--chat-template)");
            }
            if (LooksLikeTemplate(choice)) return (new ChatTemplate(choice, bos, eos, "--chat-template"), "given inline (--chat-template)");
            throw new ServerConfigurationException($"--chat-template '{choice}' is neither a built-in template ({string.Join(", ", BuiltInChatTemplates.Names)}) nor an existing file");
        }
        if (!string.IsNullOrWhiteSpace(own))
        {
            try
            {
                return (new ChatTemplate(own, bos, eos, "tokenizer.chat_template"), "the model's tokenizer.chat_template");
            }
            catch (Core.TemplateException e)
            {
                throw new ServerConfigurationException($"the model's chat template cannot be used ({e.Message}); choose one with --chat-template ({string.Join(", ", BuiltInChatTemplates.Names)} or a file)", e);
            }
        }
        return (ChatTemplate.FromBuiltIn(ChatTemplate.FallbackName, bos, eos), $"built-in {ChatTemplate.FallbackName} (the model has no tokenizer.chat_template; --chat-template chooses another)");
    }

    private static bool LooksLikeTemplate(string text) => text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal);

    public void Dispose()
    {
        Engine.Dispose();
        _model.Dispose();
    }
}
