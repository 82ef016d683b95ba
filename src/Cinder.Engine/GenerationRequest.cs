using Cinder.Engine.Sampling;
using Cinder.Engine.Scheduling;

namespace Cinder.Engine;

/// <summary>One generation: prompt token ids and how to continue them.</summary>
public sealed record GenerationRequest
{
    public required IReadOnlyList<int> PromptIds { get; init; }

    public SamplingParameters Sampling { get; init; } = SamplingParameters.Greedy;

    /// <summary>Most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>When true, end-of-generation tokens do not stop generation (llama.cpp's ignore_eos).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Generation stops before the first occurrence of any of these strings.</summary>
    public IReadOnlyList<string> Stop { get; init; } = Array.Empty<string>();

    public TenantPolicy Tenant { get; init; } = TenantPolicy.Anonymous;
}
