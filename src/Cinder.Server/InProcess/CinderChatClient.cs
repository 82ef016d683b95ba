using System.Runtime.CompilerServices;
using System.Text;
using Cinder.Engine;
using Cinder.Engine.Sampling;
using Cinder.Engine.Scheduling;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Cinder.Server.InProcess;

/// <summary>
/// Cinder as a Microsoft.Extensions.AI <see cref="IChatClient"/>, in process: no HTTP, the same chat template,
/// engine and limits as the server. Streaming yields the text as the engine produces it, then one update carrying the
/// finish reason and the usage.
/// </summary>
/// <example>
/// <code>
/// using var chat = CinderChatClient.Load(new ModelHostOptions { ModelPath = "model.gguf" });
/// var answer = await chat.GetResponseAsync("Tell me a story", new ChatOptions { Temperature = 0, MaxOutputTokens = 64 });
/// await foreach (var update in chat.GetStreamingResponseAsync("Once upon a time")) Console.Write(update.Text);
/// </code>
/// </example>
/// <remarks>
/// ChatOptions honoured: Temperature, TopP, TopK, MaxOutputTokens, Seed, StopSequences, PresencePenalty,
/// FrequencyPenalty, Instructions (a leading system message), and in AdditionalProperties "min_p",
/// "repeat_penalty" and "ignore_eos". Tools, non-text content and JSON response formats throw
/// <see cref="NotSupportedException"/>. A prompt plus MaxOutputTokens beyond the context throws
/// <see cref="ContextLengthExceededException"/>; a refused admission throws <see cref="AdmissionRejectedException"/>.
/// </remarks>
public sealed class CinderChatClient : IChatClient
{
    private readonly ModelHost _host;
    private readonly bool _ownsHost;
    private readonly TenantPolicy _tenant;

    /// <param name="host">A loaded model; the client does not dispose it unless <paramref name="ownsHost"/>.</param>
    /// <param name="tenant">The tenant requests run as (its weight and limits apply); anonymous by default.</param>
    public CinderChatClient(ModelHost host, TenantPolicy? tenant = null, bool ownsHost = false)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _ownsHost = ownsHost;
        _tenant = tenant ?? TenantPolicy.Anonymous;
        Metadata = new ChatClientMetadata("cinder", null, host.ModelId);
    }

    /// <summary>Loads a model and returns a client that owns it.</summary>
    public static CinderChatClient Load(ModelHostOptions options) => new(ModelHost.Load(options), ownsHost: true);

    public ChatClientMetadata Metadata { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        var handle = _host.Engine.Submit(request, cancellationToken);
        var text = new StringBuilder();
        CompletionEvent? done = null;
        await foreach (var e in handle.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e is TokenEvent t) text.Append(t.Text);
            else done = (CompletionEvent)e;
        }
        var finish = Finish(done, cancellationToken);
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ResponseId = $"cinder-{handle.Id}",
            ModelId = _host.ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finish,
            Usage = Usage(done!),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        var handle = _host.Engine.Submit(request, cancellationToken);
        string responseId = $"cinder-{handle.Id}";
        var created = DateTimeOffset.UtcNow;
        try
        {
            await foreach (var e in handle.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e is TokenEvent t)
                {
                    if (t.Text.Length == 0) continue;
                    yield return new ChatResponseUpdate(ChatRole.Assistant, t.Text) { ResponseId = responseId, MessageId = responseId, ModelId = _host.ModelId, CreatedAt = created };
                    continue;
                }
                var done = (CompletionEvent)e;
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(done))])
                {
                    ResponseId = responseId,
                    MessageId = responseId,
                    ModelId = _host.ModelId,
                    CreatedAt = created,
                    FinishReason = Finish(done, cancellationToken),
                };
            }
        }
        finally
        {
            // A consumer that stops reading early frees the sequence now rather than at the end of the generation.
            handle.Cancel();
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType == typeof(ModelHost)) return _host;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        if (_ownsHost) _host.Dispose();
    }

    private GenerationRequest Prepare(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.Tools is { Count: > 0 }) throw new NotSupportedException("Cinder does not support tool calling");
        if (options?.ResponseFormat is { } format && format is not ChatResponseFormatText) throw new NotSupportedException("Cinder supports only text responses");
        var conversation = new List<Templates.ChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions)) conversation.Add(new Templates.ChatMessage("system", options.Instructions));
        foreach (var m in messages)
        {
            foreach (var content in m.Contents)
            {
                if (content is not TextContent and not UsageContent)
                    throw new NotSupportedException($"Cinder reads text only; a {m.Role} message holds {content.GetType().Name}");
            }
            string role = m.Role == ChatRole.System ? "system"
                : m.Role == ChatRole.User ? "user"
                : m.Role == ChatRole.Assistant ? "assistant"
                : throw new NotSupportedException($"role '{m.Role}' is not supported (tool calling is not)");
            conversation.Add(new Templates.ChatMessage(role, m.Text));
        }
        if (conversation.Count == 0) throw new ArgumentException("the conversation is empty", nameof(messages));

        var ids = _host.TokenizeChat(conversation);
        int maxTokens = _host.MaxNewTokens(ids.Length, options?.MaxOutputTokens, "messages");
        var defaults = new SamplingParameters();
        var extra = options?.AdditionalProperties;
        var sampling = new SamplingParameters
        {
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            MinP = extra is not null && extra.TryGetValue("min_p", out float minP) ? minP : defaults.MinP,
            RepetitionPenalty = extra is not null && extra.TryGetValue("repeat_penalty", out float repeat) ? repeat : defaults.RepetitionPenalty,
            PresencePenalty = options?.PresencePenalty ?? 0,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            Seed = options?.Seed is { } seed ? unchecked((ulong)seed) : (ulong)Random.Shared.NextInt64(),
        };
        sampling.Validate();
        return new GenerationRequest
        {
            PromptIds = ids,
            MaxTokens = maxTokens,
            Sampling = sampling,
            Stop = options?.StopSequences is { Count: > 0 } stops ? stops.ToArray() : Array.Empty<string>(),
            IgnoreEos = extra is not null && extra.TryGetValue("ignore_eos", out bool ignoreEos) && ignoreEos,
            Tenant = _tenant,
        };
    }

    private static ChatFinishReason Finish(CompletionEvent? done, CancellationToken cancellation) => done?.Reason switch
    {
        FinishReason.Stop => ChatFinishReason.Stop,
        FinishReason.Length => ChatFinishReason.Length,
        FinishReason.Cancelled => throw new OperationCanceledException("the generation was cancelled", cancellation),
        _ => throw new InvalidOperationException($"the generation failed: {done?.Error ?? "no completion"}"),
    };

    private static UsageDetails Usage(CompletionEvent done) => new()
    {
        InputTokenCount = done.PromptTokens,
        OutputTokenCount = done.CompletionTokens,
        TotalTokenCount = done.PromptTokens + done.CompletionTokens,
        CachedInputTokenCount = done.CachedPromptTokens,
    };
}
