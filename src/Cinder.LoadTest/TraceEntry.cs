namespace Cinder.LoadTest;

/// <summary>
/// One line of a trace file: when the request arrives (seconds from the start of the trace) and what it asks for.
/// Missing lengths are drawn from --prompt-tokens and --output-tokens; a missing tenant is the first tenant.
/// </summary>
/// <param name="Line">1-based line number in the file (for messages).</param>
/// <param name="Time">Arrival offset in seconds, not negative.</param>
/// <param name="PromptTokens">Prompt length to generate, or null.</param>
/// <param name="Prompt">Literal prompt text, or null (never both with <paramref name="PromptTokens"/>).</param>
/// <param name="OutputTokens">max_tokens to ask for, or null.</param>
/// <param name="Tenant">Tenant name, or null.</param>
public sealed record TraceEntry(int Line, double Time, int? PromptTokens, string? Prompt, int? OutputTokens, string? Tenant);
