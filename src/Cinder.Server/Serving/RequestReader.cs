using System.Text.Json;
using Cinder.Engine;
using Cinder.Engine.Sampling;
using Cinder.Engine.Scheduling;
using Cinder.Server.Errors;
using Cinder.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cinder.Server.Serving;

/// <summary>
/// Reads and checks OpenAI request bodies: each field the server honours is range-checked and named in the error when
/// wrong; fields whose semantics the server does not implement (n &gt; 1, logprobs, tools, ...) are refused rather than
/// ignored, so a client never gets an answer to a question it did not ask. Tokenizing happens here, on the request thread.
/// </summary>
internal static class RequestReader
{
    /// <summary>Most stop sequences a request may give (OpenAI allows 4; llama.cpp more).</summary>
    public const int MaxStopSequences = 16;

    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        var body = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return body ?? throw new ApiException(400, "the request body must be a JSON object", ErrorTypes.InvalidRequest, null, "invalid_json");
    }

    public static PreparedRequest Chat(ChatCompletionRequest r, ModelHost host, TenantPolicy tenant)
    {
        CheckModel(r.Model, host);
        if (r.N is { } n && n != 1) throw ApiException.BadParameter("n", $"only n=1 is supported, got {n}");
        if (r.Logprobs == true) throw ApiException.BadParameter("logprobs", "logprobs are not supported", "unsupported_parameter");
        if (r.TopLogprobs is not null) throw ApiException.BadParameter("top_logprobs", "top_logprobs is not supported", "unsupported_parameter");
        RejectIfSet(r.Tools, "tools", "tool calling is not supported");
        RejectIfSet(r.Functions, "functions", "function calling is not supported");
        if (r.ToolChoice is { } choice && !(choice.ValueKind == JsonValueKind.String && choice.GetString() is "none" or "auto")
            && choice.ValueKind != JsonValueKind.Null)
            throw ApiException.BadParameter("tool_choice", "tool calling is not supported", "unsupported_parameter");
        if (r.FunctionCall is { } fc && !(fc.ValueKind == JsonValueKind.String && fc.GetString() is "none" or "auto") && fc.ValueKind != JsonValueKind.Null)
            throw ApiException.BadParameter("function_call", "function calling is not supported", "unsupported_parameter");
        CheckResponseFormat(r.ResponseFormat);
        CheckLogitBias(r.LogitBias);

        var messages = Messages(r.Messages);
        var ids = host.TokenizeChat(messages);
        if (r.MaxTokens is { } legacy && r.MaxCompletionTokens is { } current && legacy != current)
            throw ApiException.BadParameter("max_completion_tokens", $"max_tokens ({legacy}) and max_completion_tokens ({current}) disagree; give one");
        string maxParam = r.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        int? max = CheckMaxTokens(r.MaxCompletionTokens ?? r.MaxTokens, maxParam);
        int maxTokens = host.MaxNewTokens(ids.Length, max, "messages");
        var stream = CheckStream(r.Stream, r.StreamOptions);
        return new PreparedRequest(new GenerationRequest
        {
            PromptIds = ids,
            MaxTokens = maxTokens,
            Sampling = Sampling(r.Temperature, r.TopP, r.TopK, r.MinP, r.RepeatPenalty, r.PresencePenalty, r.FrequencyPenalty, r.Seed),
            Stop = Stops(r.Stop),
            IgnoreEos = r.IgnoreEos ?? false,
            Tenant = tenant,
        }, stream.Stream, stream.IncludeUsage);
    }

    public static PreparedRequest Completion(CompletionRequest r, ModelHost host, TenantPolicy tenant)
    {
        CheckModel(r.Model, host);
        if (r.N is { } n && n != 1) throw ApiException.BadParameter("n", $"only n=1 is supported, got {n}");
        if (r.BestOf is { } bestOf && bestOf != 1) throw ApiException.BadParameter("best_of", $"only best_of=1 is supported, got {bestOf}");
        if (r.Echo == true) throw ApiException.BadParameter("echo", "echo is not supported", "unsupported_parameter");
        if (!string.IsNullOrEmpty(r.Suffix)) throw ApiException.BadParameter("suffix", "suffix (insertion) is not supported", "unsupported_parameter");
        if (r.Logprobs is { ValueKind: not JsonValueKind.Null } lp && !(lp.ValueKind == JsonValueKind.Number && lp.TryGetInt32(out int k) && k == 0) && lp.ValueKind != JsonValueKind.False)
            throw ApiException.BadParameter("logprobs", "logprobs are not supported", "unsupported_parameter");
        CheckLogitBias(r.LogitBias);

        var ids = PromptIds(r.Prompt, host);
        int? max = CheckMaxTokens(r.MaxTokens, "max_tokens");
        int maxTokens = host.MaxNewTokens(ids.Length, max, "prompt");
        var stream = CheckStream(r.Stream, r.StreamOptions);
        return new PreparedRequest(new GenerationRequest
        {
            PromptIds = ids,
            MaxTokens = maxTokens,
            Sampling = Sampling(r.Temperature, r.TopP, r.TopK, r.MinP, r.RepeatPenalty, r.PresencePenalty, r.FrequencyPenalty, r.Seed),
            Stop = Stops(r.Stop),
            IgnoreEos = r.IgnoreEos ?? false,
            Tenant = tenant,
        }, stream.Stream, stream.IncludeUsage);
    }

    /// <summary>An absent model means the one served; any other name is a 404, as OpenAI answers.</summary>
    public static void CheckModel(string? model, ModelHost host)
    {
        if (model is null || string.Equals(model, host.ModelId, StringComparison.Ordinal)) return;
        throw new ApiException(404, $"the model '{model}' does not exist; this server serves '{host.ModelId}'", ErrorTypes.InvalidRequest, "model", "model_not_found");
    }

    /// <summary>
    /// OpenAI's defaults where it has them for what a client may send; llama.cpp's defaults (top_k 40, min_p 0.05,
    /// temperature 0.8, top_p 0.95) otherwise. No seed means a fresh random one.
    /// </summary>
    private static SamplingParameters Sampling(double? temperature, double? topP, int? topK, double? minP, double? repeat, double? presence, double? frequency, long? seed)
    {
        if (temperature is { } t && !(t >= 0 && t <= 2)) throw ApiException.BadParameter("temperature", $"temperature must be between 0 and 2, got {t}");
        if (topP is { } p && !(p > 0 && p <= 1)) throw ApiException.BadParameter("top_p", $"top_p must be greater than 0 and at most 1, got {p}");
        if (topK is < 0) throw ApiException.BadParameter("top_k", $"top_k must be 0 (off) or positive, got {topK}");
        if (minP is { } m && !(m >= 0 && m <= 1)) throw ApiException.BadParameter("min_p", $"min_p must be between 0 and 1, got {m}");
        if (presence is { } pp && !(pp >= -2 && pp <= 2)) throw ApiException.BadParameter("presence_penalty", $"presence_penalty must be between -2 and 2, got {pp}");
        if (frequency is { } fp && !(fp >= -2 && fp <= 2)) throw ApiException.BadParameter("frequency_penalty", $"frequency_penalty must be between -2 and 2, got {fp}");
        var defaults = new SamplingParameters();
        var sampling = new SamplingParameters
        {
            Temperature = (float)(temperature ?? defaults.Temperature),
            TopP = (float)(topP ?? defaults.TopP),
            TopK = topK ?? defaults.TopK,
            MinP = (float)(minP ?? defaults.MinP),
            RepetitionPenalty = (float)(repeat ?? defaults.RepetitionPenalty),
            PresencePenalty = (float)(presence ?? 0),
            FrequencyPenalty = (float)(frequency ?? 0),
            Seed = seed is { } s ? unchecked((ulong)s) : (ulong)Random.Shared.NextInt64(),
        };
        sampling.Validate(); // the engine's own rules; ErrorMapper names the field
        return sampling;
    }

    private static int? CheckMaxTokens(int? max, string param)
    {
        if (max is < 1) throw ApiException.BadParameter(param, $"{param} must be at least 1, got {max}");
        return max;
    }

    private static (bool Stream, bool IncludeUsage) CheckStream(bool? stream, StreamOptionsDto? options)
    {
        bool on = stream ?? false;
        if (options is not null && !on) throw ApiException.BadParameter("stream_options", "stream_options is only allowed when stream is true");
        return (on, on && options?.IncludeUsage == true);
    }

    private static IReadOnlyList<string> Stops(JsonElement? stop)
    {
        if (stop is not { } s || s.ValueKind == JsonValueKind.Null) return Array.Empty<string>();
        if (s.ValueKind == JsonValueKind.String)
        {
            var one = s.GetString()!;
            if (one.Length == 0) throw ApiException.BadParameter("stop", "a stop sequence cannot be empty");
            return new[] { one };
        }
        if (s.ValueKind != JsonValueKind.Array) throw ApiException.BadParameter("stop", "stop must be a string or an array of strings");
        var list = new List<string>();
        int i = 0;
        foreach (var item in s.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw ApiException.BadParameter($"stop[{i}]", "stop must be a string or an array of strings");
            var text = item.GetString()!;
            if (text.Length == 0) throw ApiException.BadParameter($"stop[{i}]", "a stop sequence cannot be empty");
            list.Add(text);
            i++;
        }
        if (list.Count > MaxStopSequences) throw ApiException.BadParameter("stop", $"at most {MaxStopSequences} stop sequences are supported, got {list.Count}");
        return list;
    }

    private static List<Templates.ChatMessage> Messages(List<ChatMessageDto?>? messages)
    {
        if (messages is null) throw ApiException.BadParameter("messages", "messages is required", "missing_required_parameter");
        if (messages.Count == 0) throw ApiException.BadParameter("messages", "messages must hold at least one message");
        var result = new List<Templates.ChatMessage>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            string at = $"messages[{i}]";
            var m = messages[i] ?? throw ApiException.BadParameter(at, "a message must be an object");
            string role = m.Role switch
            {
                "system" or "user" or "assistant" => m.Role,
                "developer" => "system", // OpenAI's newer name for the system role; templates know "system"
                "tool" or "function" => throw ApiException.BadParameter($"{at}.role", $"role '{m.Role}' needs tool calling, which is not supported", "unsupported_parameter"),
                null => throw ApiException.BadParameter($"{at}.role", "role is required", "missing_required_parameter"),
                _ => throw ApiException.BadParameter($"{at}.role", $"unknown role '{m.Role}'; expected system, developer, user or assistant"),
            };
            if (m.ToolCalls is { ValueKind: JsonValueKind.Array } calls && calls.GetArrayLength() > 0)
                throw ApiException.BadParameter($"{at}.tool_calls", "tool calling is not supported", "unsupported_parameter");
            string content = Content(m.Content, $"{at}.content", allowMissing: role == "assistant");
            result.Add(new Templates.ChatMessage(role, content));
        }
        return result;
    }

    /// <summary>A string, or content parts of which only "text" ones are understood (their texts are joined).</summary>
    private static string Content(JsonElement? content, string at, bool allowMissing)
    {
        if (content is not { } c || c.ValueKind == JsonValueKind.Null)
        {
            if (allowMissing) return "";
            throw ApiException.BadParameter(at, "content is required", "missing_required_parameter");
        }
        if (c.ValueKind == JsonValueKind.String) return c.GetString()!;
        if (c.ValueKind != JsonValueKind.Array) throw ApiException.BadParameter(at, "content must be a string or an array of content parts");
        var text = new System.Text.StringBuilder();
        int i = 0;
        foreach (var part in c.EnumerateArray())
        {
            string partAt = $"{at}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.BadParameter(partAt, "a content part must be an object with a \"type\"");
            if (type.GetString() != "text")
                throw ApiException.BadParameter($"{partAt}.type", $"content parts of type '{type.GetString()}' are not supported (this model reads text only)", "unsupported_content_type");
            if (!part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
                throw ApiException.BadParameter($"{partAt}.text", "a text part needs a string \"text\"");
            text.Append(value.GetString());
        }
        return text.ToString();
    }

    /// <summary>A string, a list holding one string, or a list of token ids (as llama.cpp accepts).</summary>
    private static int[] PromptIds(JsonElement? prompt, ModelHost host)
    {
        if (prompt is not { } p || p.ValueKind == JsonValueKind.Null) throw ApiException.BadParameter("prompt", "prompt is required", "missing_required_parameter");
        int[] ids;
        if (p.ValueKind == JsonValueKind.String) ids = host.TokenizePrompt(p.GetString()!);
        else if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.String) ids = host.TokenizePrompt(p[0].GetString()!);
        else if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() > 0 && p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            ids = new int[p.GetArrayLength()];
            int i = 0;
            foreach (var e in p.EnumerateArray())
            {
                if (!e.TryGetInt32(out int id) || (uint)id >= (uint)host.Model.VocabSize)
                    throw ApiException.BadParameter($"prompt[{i}]", $"token ids must be integers from 0 to {host.Model.VocabSize - 1}");
                ids[i++] = id;
            }
        }
        else if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() > 1)
            throw ApiException.BadParameter("prompt", "only one prompt per request is supported (send a string, not a list of prompts)");
        else throw ApiException.BadParameter("prompt", "prompt must be a string, an array holding one string, or an array of token ids");
        if (ids.Length == 0) throw ApiException.BadParameter("prompt", "the prompt is empty");
        return ids;
    }

    private static void RejectIfSet(JsonElement? value, string param, string message)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return;
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0) return;
        throw ApiException.BadParameter(param, message, "unsupported_parameter");
    }

    private static void CheckResponseFormat(JsonElement? format)
    {
        if (format is not { } f || f.ValueKind == JsonValueKind.Null) return;
        if (f.ValueKind == JsonValueKind.Object && f.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text") return;
        throw ApiException.BadParameter("response_format", "only response_format {\"type\": \"text\"} is supported", "unsupported_parameter");
    }

    private static void CheckLogitBias(JsonElement? bias)
    {
        if (bias is not { } b || b.ValueKind == JsonValueKind.Null) return;
        if (b.ValueKind == JsonValueKind.Object && !b.EnumerateObject().Any()) return;
        throw ApiException.BadParameter("logit_bias", "logit_bias is not supported", "unsupported_parameter");
    }
}
