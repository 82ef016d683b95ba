namespace Cinder.LoadTest;

/// <summary>One server-sent event: its <c>event:</c> type (null when absent) and its data lines joined by "\n".</summary>
public sealed record SseEvent(string? Type, string Data);
