namespace Cinder.Server.Errors;

/// <summary>
/// A request the server refuses, with the HTTP status and OpenAI's error fields. Thrown by the request readers and
/// middleware; turned into the response by <see cref="ErrorMapper"/> alone.
/// </summary>
public sealed class ApiException : Core.CinderException
{
    public ApiException(int status, string message, string type = ErrorTypes.InvalidRequest, string? param = null, string? code = null, TimeSpan? retryAfter = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
        RetryAfter = retryAfter;
    }

    public int Status { get; }

    /// <summary>OpenAI's error.type, e.g. "invalid_request_error".</summary>
    public string Type { get; }

    /// <summary>The request field at fault, e.g. "temperature" or "messages[1].content".</summary>
    public string? Param { get; }

    /// <summary>A machine-readable code, e.g. "context_length_exceeded".</summary>
    public string? Code { get; }

    /// <summary>Sent as Retry-After (whole seconds) when set.</summary>
    public TimeSpan? RetryAfter { get; }

    public static ApiException BadParameter(string param, string message, string? code = "invalid_value") => new(400, message, ErrorTypes.InvalidRequest, param, code);
}
