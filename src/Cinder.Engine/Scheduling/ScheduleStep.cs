namespace Cinder.Engine.Scheduling;

/// <summary>One sequence's share of a forward pass: tokens [Start, Start+Count) of it, and whether to sample after.</summary>
public readonly record struct StepItem(ScheduledSequence Sequence, int Start, int Count, bool Sample);

/// <summary>What the next forward pass computes, and what changed to make room for it.</summary>
public sealed class ScheduleStep
{
    /// <summary>Work for the forward pass, decodes first.</summary>
    public List<StepItem> Items { get; } = new();

    /// <summary>Sequences that entered the running set in this step.</summary>
    public List<ScheduledSequence> Admitted { get; } = new();

    /// <summary>Sequences pushed back to waiting (their blocks freed) to make room.</summary>
    public List<ScheduledSequence> Preempted { get; } = new();

    public int TokenCount { get; internal set; }

    public bool IsEmpty => Items.Count == 0;

    internal void Clear()
    {
        Items.Clear();
        Admitted.Clear();
        Preempted.Clear();
        TokenCount = 0;
    }
}
