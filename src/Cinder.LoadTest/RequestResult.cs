namespace Cinder.LoadTest;

/// <summary>
/// What happened to one planned request. Times are seconds; latencies count from the first attempt's send, so a
/// retried request carries its waits.
/// </summary>
public sealed class RequestResult
{
    public required PlannedRequest Plan { get; init; }

    public RequestOutcome Outcome { get; set; } = RequestOutcome.Error;

    /// <summary>HTTP status of the last attempt (0 when none arrived).</summary>
    public int Status { get; set; }

    /// <summary>Error category for <see cref="RequestOutcome.Error"/>: <c>http_NNN</c>, <c>timeout</c>, <c>connection</c>,
    /// <c>stream_error</c>, <c>truncated</c>, <c>bad_stream</c>, <c>not_streaming</c> or <c>client_error</c>.</summary>
    public string? ErrorKind { get; set; }

    /// <summary>A short description of the error, from the server's error body when it sent one.</summary>
    public string? ErrorMessage { get; set; }

    /// <summary>Seconds since the run started when the first attempt was sent (after any wait for a free in-flight slot).</summary>
    public double SentAt { get; set; }

    /// <summary>Seconds since the run started when the request finished.</summary>
    public double EndedAt { get; set; }

    /// <summary>Seconds the request waited for the concurrency limit before its first send.</summary>
    public double DispatchLag { get; set; }

    /// <summary>Whether it had to wait for the concurrency limit.</summary>
    public bool WaitedForSlot { get; set; }

    public int Attempts { get; set; }

    /// <summary>Shed responses received (including ones later retried).</summary>
    public int ShedResponses { get; set; }

    /// <summary>Retry-After values seen, in seconds.</summary>
    public List<double> RetryAfter { get; } = [];

    /// <summary>Retry-After of the latest shed response, in seconds, when it had one.</summary>
    public double? LastRetryAfter { get; set; }

    /// <summary>Shed responses that came without a usable Retry-After header.</summary>
    public int RetryAfterMissing { get; set; }

    /// <summary>Time to first content chunk, or null when none came.</summary>
    public double? Ttft { get; set; }

    /// <summary>Send to end of stream (or to the refusal, for a shed request).</summary>
    public double? EndToEnd { get; set; }

    /// <summary>Gaps between consecutive content chunks (inter-token latency at the granularity the server streams).</summary>
    public List<double> ChunkGaps { get; } = [];

    public int ContentChunks { get; set; }

    /// <summary>Prompt text length in characters (what was sent).</summary>
    public int PromptChars { get; set; }

    /// <summary>usage.prompt_tokens from the server, when reported.</summary>
    public int? UsagePromptTokens { get; set; }

    /// <summary>usage.completion_tokens from the server, when reported.</summary>
    public int? UsageCompletionTokens { get; set; }

    /// <summary>Tokens generated: usage when reported, else the content chunks counted.</summary>
    public int OutputTokens => UsageCompletionTokens ?? ContentChunks;

    /// <summary>Time per output token after the first: (e2e - ttft) / (tokens - 1); null below two tokens.</summary>
    public double? Tpot => Outcome == RequestOutcome.Ok && Ttft is { } t && EndToEnd is { } e && OutputTokens >= 2 ? (e - t) / (OutputTokens - 1) : null;
}
