namespace Cinder.Engine.Scheduling;

/// <summary>Which limit turned a request away.</summary>
public enum RejectionReason
{
    None,
    /// <summary>The global waiting queue is full (--max-queue).</summary>
    QueueFull,
    /// <summary>The tenant has max_concurrent requests in flight.</summary>
    TenantConcurrency,
    /// <summary>The tenant's tokens_per_minute bucket cannot pay for the prompt.</summary>
    TenantTokenRate,
    /// <summary>The request can never fit the KV cache or the context.</summary>
    TooLarge,
    /// <summary>The engine is draining and takes no new work.</summary>
    Draining,
}

/// <summary>The scheduler's answer to a new request.</summary>
public readonly record struct AdmissionResult(RejectionReason Reason, TimeSpan RetryAfter, string Message)
{
    public static AdmissionResult Accepted { get; } = new(RejectionReason.None, TimeSpan.Zero, "accepted");

    public bool IsAccepted => Reason == RejectionReason.None;
}
