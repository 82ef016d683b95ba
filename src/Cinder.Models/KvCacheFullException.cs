using Cinder.Core;

namespace Cinder.Models;

/// <summary>The paged KV cache has no free block left for a sequence that needs one.</summary>
public sealed class KvCacheFullException : CinderException
{
    public KvCacheFullException(int capacity) : base($"the KV cache is full ({capacity} tokens in all)") => Capacity = capacity;

    public int Capacity { get; }
}
