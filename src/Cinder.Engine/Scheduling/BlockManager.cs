namespace Cinder.Engine.Scheduling;

/// <summary>
/// Bookkeeping of the paged KV cache's blocks, with no memory behind it (the engine owns the memory):
/// reference counts, a free list, and a prefix cache that maps the content of a full block (its tokens
/// and everything before them, as a chained hash) to the block holding its keys and values. A block
/// nobody references keeps its content until the space is needed, least recently released first.
/// </summary>
public sealed class BlockManager
{
    private readonly int[] _refCount;
    private readonly ulong[] _hash;             // content hash of a registered full block, 0 when none
    private readonly int[][] _tokens;           // the tokens of a registered block, to rule out hash collisions
    private readonly ulong[] _parent;           // hash of the blocks before it
    private readonly Stack<int> _free = new();  // never registered or evicted: no content worth keeping
    private readonly LinkedList<int> _evictable = new(); // registered, unreferenced: oldest first
    private readonly LinkedListNode<int>?[] _evictableNode;
    private readonly Dictionary<ulong, int> _byHash = new();

    public BlockManager(int blockCount, int blockSize, bool prefixCaching = true)
    {
        BlockCount = blockCount;
        BlockSize = blockSize;
        PrefixCaching = prefixCaching;
        _refCount = new int[blockCount];
        _hash = new ulong[blockCount];
        _parent = new ulong[blockCount];
        _tokens = new int[blockCount][];
        _evictableNode = new LinkedListNode<int>?[blockCount];
        for (int b = blockCount - 1; b >= 0; b--) _free.Push(b);
    }

    public int BlockCount { get; }
    public int BlockSize { get; }
    public bool PrefixCaching { get; }

    /// <summary>Blocks that can be handed out now (free, or cached and unreferenced).</summary>
    public int AvailableBlocks => _free.Count + _evictable.Count;

    /// <summary>Blocks referenced by at least one sequence.</summary>
    public int UsedBlocks => BlockCount - AvailableBlocks;

    /// <summary>Share of blocks in use, 0..1 (the KV-cache signal autoscalers read).</summary>
    public double Usage => (double)UsedBlocks / BlockCount;

    /// <summary>Blocks whose content is cached for reuse (referenced or not).</summary>
    public int CachedBlocks => _byHash.Count;

    public int ReferenceCount(int block) => _refCount[block];

    /// <summary>Takes a block for new content: a free one, else the least recently released cached one.</summary>
    public bool TryAllocate(out int block)
    {
        if (_free.Count > 0)
        {
            block = _free.Pop();
        }
        else if (_evictable.First is { } oldest)
        {
            block = oldest.Value;
            _evictable.RemoveFirst();
            _evictableNode[block] = null;
            Forget(block);
        }
        else
        {
            block = -1;
            return false;
        }
        _refCount[block] = 1;
        return true;
    }

    /// <summary>Drops one reference; an unreferenced block stays cached if it has registered content.</summary>
    public void Release(int block)
    {
        if (_refCount[block] <= 0) throw new InvalidOperationException($"block {block} released more often than taken");
        if (--_refCount[block] > 0) return;
        if (_hash[block] != 0) _evictableNode[block] = _evictable.AddLast(block);
        else _free.Push(block);
    }

    /// <summary>
    /// Finds the longest run of cached full blocks matching the start of <paramref name="tokens"/>, at most
    /// <paramref name="maxBlocks"/>, takes a reference on each and appends them to <paramref name="blocks"/>.
    /// Returns the hash of the last matched block (0 when none matched) through <paramref name="lastHash"/>.
    /// </summary>
    public int MatchPrefix(ReadOnlySpan<int> tokens, int maxBlocks, List<int> blocks, out ulong lastHash)
    {
        lastHash = 0;
        if (!PrefixCaching) return 0;
        int matched = 0;
        ulong parent = 0;
        while (matched < maxBlocks && (matched + 1) * BlockSize <= tokens.Length)
        {
            var content = tokens.Slice(matched * BlockSize, BlockSize);
            ulong h = Hash(parent, content);
            if (!_byHash.TryGetValue(h, out int block) || _parent[block] != parent || !content.SequenceEqual(_tokens[block])) break;
            if (_refCount[block]++ == 0 && _evictableNode[block] is { } node)
            {
                _evictable.Remove(node);
                _evictableNode[block] = null;
            }
            blocks.Add(block);
            parent = h;
            matched++;
        }
        lastHash = parent;
        return matched;
    }

    /// <summary>
    /// Records that <paramref name="block"/> now holds the keys and values of <paramref name="content"/>
    /// (a full block) after the blocks hashed as <paramref name="parent"/>. Returns the block's hash, the
    /// parent of the next one. If identical content is already cached elsewhere, the first copy stays the
    /// one new requests find.
    /// </summary>
    public ulong Register(int block, ulong parent, ReadOnlySpan<int> content)
    {
        if (content.Length != BlockSize) throw new ArgumentException("only full blocks are registered", nameof(content));
        ulong h = Hash(parent, content);
        if (!PrefixCaching || _hash[block] != 0 || _byHash.ContainsKey(h)) return h;
        _hash[block] = h;
        _parent[block] = parent;
        _tokens[block] = content.ToArray();
        _byHash[h] = block;
        return h;
    }

    private void Forget(int block)
    {
        if (_hash[block] != 0 && _byHash.TryGetValue(_hash[block], out int b) && b == block) _byHash.Remove(_hash[block]);
        _hash[block] = 0;
        _parent[block] = 0;
        _tokens[block] = null!;
    }

    /// <summary>A 64-bit chained hash of a block's tokens (FNV-1a mixed with the parent); never 0.</summary>
    public static ulong Hash(ulong parent, ReadOnlySpan<int> tokens)
    {
        ulong h = 14695981039346656037UL ^ (parent * 0x9E3779B97F4A7C15UL);
        foreach (int t in tokens)
        {
            h ^= (uint)t;
            h *= 1099511628211UL;
            h ^= h >> 29;
        }
        return h == 0 ? 1 : h;
    }
}
