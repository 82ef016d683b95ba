namespace Cinder.Models.Synthesis;

/// <summary>The hyper-parameters of a LLaMA-architecture model, enough to lay out its tensors.</summary>
/// <param name="Name">Shape name used on the command line.</param>
/// <param name="Dim">Embedding width (llama.embedding_length).</param>
/// <param name="Layers">Transformer blocks (llama.block_count).</param>
/// <param name="Heads">Attention heads (llama.attention.head_count).</param>
/// <param name="KvHeads">Key/value heads, fewer than <paramref name="Heads"/> for grouped-query attention.</param>
/// <param name="Ffn">Feed-forward width (llama.feed_forward_length).</param>
/// <param name="ContextLength">llama.context_length.</param>
public sealed record ModelShape(string Name, int Dim, int Layers, int Heads, int KvHeads, int Ffn, int ContextLength)
{
    /// <summary>TinyLlama-1.1B: the shape speed work measures on.</summary>
    public static ModelShape TinyLlama { get; } = new("tinyllama", 2048, 22, 32, 4, 5632, 2048);

    /// <summary>A 160M-parameter LLaMA (as JackFram/llama-160m).</summary>
    public static ModelShape Llama160M { get; } = new("llama160m", 768, 12, 12, 12, 3072, 2048);

    /// <summary>A small shape whose rows are multiples of 256, for tests that need every quantization to apply.</summary>
    public static ModelShape Tiny { get; } = new("tiny", 256, 2, 4, 2, 512, 512);

    public static IReadOnlyList<ModelShape> All { get; } = new[] { TinyLlama, Llama160M, Tiny };

    public int HeadDim => Dim / Heads;

    public int KvDim => HeadDim * KvHeads;

    public static bool TryGet(string name, out ModelShape shape)
    {
        shape = All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return shape is not null;
    }

    /// <summary>Parameter count for a vocabulary of <paramref name="vocab"/> tokens (untied output head).</summary>
    public long ParameterCount(int vocab) =>
        2L * vocab * Dim + Dim + (long)Layers * (2L * Dim + 2L * Dim * Dim + 2L * Dim * KvDim + 3L * Dim * Ffn);
}
