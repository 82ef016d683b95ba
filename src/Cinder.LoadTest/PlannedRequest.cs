namespace Cinder.LoadTest;

/// <summary>One request of the schedule, decided before the run so the offered load does not depend on the responses.</summary>
/// <param name="Index">Position in the schedule (0-based, in time order).</param>
/// <param name="Time">Seconds after the run starts when it is sent.</param>
/// <param name="Tenant">Index into the tenant list.</param>
/// <param name="PromptTokens">Requested prompt length in tokens (the text is generated at send time), or 0 with <paramref name="Prompt"/>.</param>
/// <param name="Prompt">Literal prompt from a trace, or null.</param>
/// <param name="OutputTokens">max_tokens asked for.</param>
/// <param name="Warmup">Sent inside the warm-up period: sent but left out of the report.</param>
public readonly record struct PlannedRequest(int Index, double Time, int Tenant, int PromptTokens, string? Prompt, int OutputTokens, bool Warmup);
