using Cinder.Core;
using Cinder.Engine.Scheduling;

namespace Cinder.Engine;

/// <summary>The engine turned a request away (a full queue, a tenant limit, draining, or a request too large to ever fit).</summary>
public sealed class AdmissionRejectedException : CinderException
{
    public AdmissionRejectedException(AdmissionResult result) : base(result.Message)
    {
        Reason = result.Reason;
        RetryAfter = result.RetryAfter;
    }

    public RejectionReason Reason { get; }

    /// <summary>When a retry may succeed (for the Retry-After header); zero when it never will.</summary>
    public TimeSpan RetryAfter { get; }
}
