namespace Cinder.Server.Errors;

/// <summary>The values of error.type the server uses (OpenAI's where OpenAI has one).</summary>
public static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string RateLimit = "rate_limit_exceeded";
    public const string Unavailable = "service_unavailable";
    public const string Server = "server_error";
}
