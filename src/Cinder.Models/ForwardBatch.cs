namespace Cinder.Models;

/// <summary>
/// The tokens of one forward pass: for each, its id, its position in its sequence, the sequence (whose KV
/// cache it extends) and whether its logits are wanted. Tokens of one sequence must come in position order.
/// Reused from step to step; adding tokens allocates nothing once capacity is reached.
/// </summary>
public sealed class ForwardBatch
{
    private int[] _tokens;
    private int[] _positions;
    private KvSequence[] _sequences;
    private bool[] _logits;

    public ForwardBatch(int capacity)
    {
        _tokens = new int[capacity];
        _positions = new int[capacity];
        _sequences = new KvSequence[capacity];
        _logits = new bool[capacity];
    }

    public int Count { get; private set; }

    public int Capacity => _tokens.Length;

    /// <summary>Tokens whose logits are wanted.</summary>
    public int OutputCount { get; private set; }

    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Count);
    public ReadOnlySpan<int> Positions => _positions.AsSpan(0, Count);
    public ReadOnlySpan<KvSequence> Sequences => _sequences.AsSpan(0, Count);
    public ReadOnlySpan<bool> WantsLogits => _logits.AsSpan(0, Count);

    public void Clear()
    {
        Array.Clear(_sequences, 0, Count);
        Count = 0;
        OutputCount = 0;
    }

    public void Add(int token, int position, KvSequence sequence, bool wantLogits)
    {
        if (Count == _tokens.Length) throw new InvalidOperationException($"the batch holds at most {Capacity} tokens");
        _tokens[Count] = token;
        _positions[Count] = position;
        _sequences[Count] = sequence;
        _logits[Count] = wantLogits;
        Count++;
        if (wantLogits) OutputCount++;
    }
}
