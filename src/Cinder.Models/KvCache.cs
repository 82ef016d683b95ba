using System.Runtime.InteropServices;

namespace Cinder.Models;

/// <summary>
/// The key/value cache as a pool of fixed-size blocks shared by every sequence (paged attention): a sequence
/// owns a list of blocks, so no sequence is limited to a fixed slice of the cache. Keys and values are stored
/// in F16 as llama.cpp stores them by default (half the memory and bandwidth of F32, and the same rounding,
/// which parity with llama.cpp needs), per layer as [slots, kvDim] with slot = block · BlockSize + offset.
/// Memory is native and allocated once; it is never touched by the garbage collector.
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private readonly Half* _memory;
    private readonly Stack<int> _free;
    private readonly long _layerStride;

    /// <param name="layers">Transformer blocks.</param>
    /// <param name="kvDim">Key (and value) width per token: KV heads × head size.</param>
    /// <param name="blockCount">Blocks in the pool.</param>
    /// <param name="blockSize">Tokens per block.</param>
    public KvCache(int layers, int kvDim, int blockCount, int blockSize = 16)
    {
        if (layers <= 0 || kvDim <= 0 || blockCount <= 0 || blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockCount), "cache dimensions must be positive");
        Layers = layers;
        KvDim = kvDim;
        BlockCount = blockCount;
        BlockSize = blockSize;
        _layerStride = (long)blockCount * blockSize * kvDim;
        long halves = checked(2L * layers * _layerStride);
        Bytes = halves * sizeof(Half);
        _memory = (Half*)NativeMemory.AlignedAlloc((nuint)Bytes, 64);
        _free = new Stack<int>(blockCount);
        for (int b = blockCount - 1; b >= 0; b--) _free.Push(b);
    }

    public int Layers { get; }
    public int KvDim { get; }
    public int BlockCount { get; }
    public int BlockSize { get; }

    /// <summary>Tokens the whole pool can hold.</summary>
    public int Capacity => BlockCount * BlockSize;

    public long Bytes { get; }

    public int FreeBlocks => _free.Count;

    public int UsedBlocks => BlockCount - _free.Count;

    /// <summary>Takes a free block, or returns -1 when the pool is exhausted.</summary>
    public int TryAllocateBlock() => _free.Count > 0 ? _free.Pop() : -1;

    public void FreeBlock(int block)
    {
        if ((uint)block >= (uint)BlockCount) throw new ArgumentOutOfRangeException(nameof(block));
        _free.Push(block);
    }

    /// <summary>The key vector (kvDim halves) of a slot in a layer.</summary>
    public Half* Key(int layer, int slot) => _memory + layer * 2 * _layerStride + (long)slot * KvDim;

    /// <summary>The value vector (kvDim halves) of a slot in a layer.</summary>
    public Half* Value(int layer, int slot) => _memory + (layer * 2 + 1) * _layerStride + (long)slot * KvDim;

    public void Dispose()
    {
        if (_memory != null) NativeMemory.AlignedFree(_memory);
        GC.SuppressFinalize(this);
    }

    ~KvCache() => NativeMemory.AlignedFree(_memory);
}
