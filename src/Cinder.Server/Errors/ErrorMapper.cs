using System.Text.Json;
using Cinder.Core;
using Cinder.Engine;
using Cinder.Engine.Scheduling;
using Cinder.Server.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cinder.Server.Errors;

/// <summary>
/// The one place where exceptions become HTTP errors (DESIGN.md convention 5): every refusal, whichever layer threw
/// it, leaves as OpenAI's <c>{"error": {...}}</c> with the right status. Bad input is 4xx, load is 429 or 503, and only
/// a fault of Cinder's own is 500.
/// </summary>
internal static class ErrorMapper
{
    public static ApiException Map(Exception e) => e switch
    {
        ApiException api => api,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new ApiException(413, "the request body is larger than the server accepts (see --max-body)", ErrorTypes.InvalidRequest, null, "request_too_large"),
        BadHttpRequestException bad => new ApiException(bad.StatusCode, $"bad request: {bad.Message}"),
        JsonException json => MapJson(json),
        AdmissionRejectedException rejected => MapRejection(rejected),
        ContextLengthExceededException overflow =>
            new ApiException(400, overflow.Message, ErrorTypes.InvalidRequest, overflow.Param, "context_length_exceeded"),
        ArgumentOutOfRangeException range when SamplingParam(range.ParamName) is { } param =>
            ApiException.BadParameter(param, $"invalid '{param}': {FirstSentence(range.Message)}"),
        TemplateException template => new ApiException(400, $"the chat template rejected the conversation: {template.Message}", ErrorTypes.InvalidRequest, "messages", "invalid_messages"),
        CinderException cinder => new ApiException(400, cinder.Message),
        ObjectDisposedException => new ApiException(503, "the server is shutting down", ErrorTypes.Unavailable, null, "shutting_down"),
        _ => new ApiException(500, "internal server error (the server log has the details)", ErrorTypes.Server, null, "internal_error"),
    };

    /// <summary>True when the exception is Cinder's own fault and worth logging with its stack trace.</summary>
    public static bool IsInternal(ApiException mapped) => mapped.Status >= 500 && mapped.Type == ErrorTypes.Server;

    public static ErrorResponse Body(ApiException e) => new(new ErrorBody(e.Message, e.Type, e.Param, e.Code));

    /// <summary>Writes the error (status, Retry-After, JSON body). The response must not have started.</summary>
    public static async Task WriteAsync(HttpContext context, ApiException e)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = e.Status;
        if (e.RetryAfter is { } retry) response.Headers.RetryAfter = WholeSeconds(retry).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (e.Status == 401) response.Headers.WWWAuthenticate = "Bearer";
        await response.WriteAsJsonAsync(Body(e), ProtocolJson.Web.ErrorResponse, contentType: "application/json", context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Retry-After is whole seconds; round up so a client that waits that long finds room, and never say 0.</summary>
    public static int WholeSeconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds));

    private static ApiException MapRejection(AdmissionRejectedException e) => e.Reason switch
    {
        RejectionReason.QueueFull => new ApiException(429, e.Message, ErrorTypes.RateLimit, null, "queue_full", e.RetryAfter),
        RejectionReason.TenantConcurrency => new ApiException(429, e.Message, ErrorTypes.RateLimit, null, "max_concurrent", e.RetryAfter),
        RejectionReason.TenantTokenRate => new ApiException(429, e.Message, ErrorTypes.RateLimit, null, "tokens_per_minute", e.RetryAfter),
        RejectionReason.TooLarge => new ApiException(400, e.Message, ErrorTypes.InvalidRequest, "max_tokens", "context_length_exceeded"),
        RejectionReason.Draining => new ApiException(503, e.Message, ErrorTypes.Unavailable, null, "shutting_down"),
        _ => new ApiException(503, e.Message, ErrorTypes.Unavailable),
    };

    private static ApiException MapJson(JsonException e)
    {
        string where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        // The reader's own errors (bad syntax, truncated body) come wrapped around the reader's exception.
        if (e.InnerException is JsonException reader)
            return new ApiException(400, $"the request body is not valid JSON{where}: {FirstSentence(reader.Message)}", ErrorTypes.InvalidRequest, null, "invalid_json");
        if (e.Path is null or "$")
            return new ApiException(400, "the request body must be a JSON object", ErrorTypes.InvalidRequest, null, "invalid_json");
        // Otherwise a field had the wrong type; the path names it ("$.messages[0].role" -> "messages[0].role").
        string param = e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
        return new ApiException(400, $"invalid type for '{param}'{where}: the value is not of the type the API defines for this field", ErrorTypes.InvalidRequest, param, "invalid_type");
    }

    /// <summary>The JSON name of a <see cref="Engine.Sampling.SamplingParameters"/> property named by its validation.</summary>
    private static string? SamplingParam(string? name) => name switch
    {
        "Temperature" => "temperature",
        "TopK" => "top_k",
        "TopP" => "top_p",
        "MinP" => "min_p",
        "RepetitionPenalty" => "repeat_penalty",
        "PresencePenalty" => "presence_penalty",
        "FrequencyPenalty" => "frequency_penalty",
        _ => null,
    };

    /// <summary>Drops .NET's "(Parameter 'x')" and "Path: ... | LineNumber" tails: the error fields already say where.</summary>
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        var s = (cut >= 0 ? message[..cut] : message).Trim();
        int newline = s.IndexOf('\n');
        return newline >= 0 ? s[..newline].TrimEnd() : s;
    }
}
