using Cinder.Core;

namespace Cinder.Models;

/// <summary>
/// One sequence's view of the paged <see cref="KvCache"/>: its block table and how many positions hold keys
/// and values. Positions are 0..Length-1; position p lives in block Blocks[p / BlockSize].
/// </summary>
public sealed class KvSequence
{
    private int[] _blocks;
    private bool _external;

    public KvSequence(KvCache cache, int maxLength)
    {
        Cache = cache;
        MaxLength = maxLength;
        _blocks = new int[Math.Max(1, (Math.Min(maxLength, cache.Capacity) + cache.BlockSize - 1) / cache.BlockSize)];
    }

    public KvCache Cache { get; }

    /// <summary>The model's context length: no position may reach it.</summary>
    public int MaxLength { get; }

    /// <summary>Positions whose keys and values are stored.</summary>
    public int Length { get; internal set; }

    public int BlockCount { get; private set; }

    public ReadOnlySpan<int> Blocks => _blocks.AsSpan(0, BlockCount);

    /// <summary>Cache slot of a position.</summary>
    public int Slot(int position) => _blocks[position / Cache.BlockSize] * Cache.BlockSize + position % Cache.BlockSize;

    /// <summary>Makes sure positions up to <paramref name="length"/>-1 have blocks; false when the pool is exhausted.</summary>
    public bool TryReserve(int length)
    {
        if (length > MaxLength) throw new ContextOverflowException(length, MaxLength);
        int needed = (length + Cache.BlockSize - 1) / Cache.BlockSize;
        if (_external && BlockCount < needed)
            throw new InvalidOperationException($"sequence needs {needed} blocks but its external block table has {BlockCount}");
        while (BlockCount < needed)
        {
            int block = Cache.TryAllocateBlock();
            if (block < 0) return false;
            if (BlockCount == _blocks.Length) Array.Resize(ref _blocks, _blocks.Length * 2);
            _blocks[BlockCount++] = block;
        }
        return true;
    }

    /// <summary>
    /// Takes its block table from an external block manager (the engine's scheduler) instead of allocating
    /// from the cache: <paramref name="blocks"/> in position order, the first <paramref name="length"/>
    /// positions already holding keys and values. A cache is managed either this way or through
    /// <see cref="TryReserve"/>, never both.
    /// </summary>
    public void AssignBlocks(ReadOnlySpan<int> blocks, int length)
    {
        if (blocks.Length > _blocks.Length) Array.Resize(ref _blocks, Math.Max(blocks.Length, _blocks.Length * 2));
        blocks.CopyTo(_blocks);
        BlockCount = blocks.Length;
        Length = length;
        _external = true;
    }

    /// <summary>Forgets positions from <paramref name="length"/> on (keeps the blocks).</summary>
    public void Truncate(int length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
    }

    /// <summary>Returns every block to the pool (for sequences that allocated through <see cref="TryReserve"/>).</summary>
    public void Release()
    {
        if (_external) throw new InvalidOperationException("blocks assigned by an external manager are released by it");
        for (int i = 0; i < BlockCount; i++) Cache.FreeBlock(_blocks[i]);
        BlockCount = 0;
        Length = 0;
    }
}
