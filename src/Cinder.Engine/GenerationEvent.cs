namespace Cinder.Engine;

/// <summary>Why a generation ended (OpenAI's finish_reason, plus cancellation and failure).</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop sequence.</summary>
    Stop,
    /// <summary>max_tokens reached.</summary>
    Length,
    /// <summary>The client went away or the request was cancelled.</summary>
    Cancelled,
    /// <summary>The engine failed; the error is attached.</summary>
    Error,
}

/// <summary>What the engine reports about a generation, in order: tokens, then exactly one completion.</summary>
public abstract record GenerationEvent;

/// <summary>A generated token and the text it completes (empty while a UTF-8 character is still partial, or held back as a possible stop sequence).</summary>
public sealed record TokenEvent(int TokenId, string Text) : GenerationEvent;

/// <summary>The end of a generation with its accounting.</summary>
public sealed record CompletionEvent(
    FinishReason Reason,
    int PromptTokens,
    int CompletionTokens,
    int CachedPromptTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan Elapsed,
    string? Error = null) : GenerationEvent;
