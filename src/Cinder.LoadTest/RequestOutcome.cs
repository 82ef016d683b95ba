namespace Cinder.LoadTest;

/// <summary>How a request ended.</summary>
public enum RequestOutcome
{
    /// <summary>HTTP 200 and a complete stream (the <c>[DONE]</c> sentinel, or a finish reason or usage before a clean end).</summary>
    Ok,

    /// <summary>Refused by load shedding: a shed status (429 by default) on the last attempt.</summary>
    Shed,

    /// <summary>Any other failure: another HTTP status, a connection error, a timeout, an error or a cut in the stream.</summary>
    Error,

    /// <summary>Stopped because the run was interrupted; left out of every rate and latency.</summary>
    Cancelled,
}
