using Cinder.Gguf;
using Cinder.Kernels.Threading;
using Cinder.Tokenizers;

namespace Cinder.Models;

/// <summary>
/// A loaded model: immutable weights (memory-mapped) that any number of <see cref="IForwardWorkspace"/>s
/// can run. Architectures derive from this, one file each.
/// </summary>
public abstract class LanguageModel : IDisposable
{
    private Tokenizer? _tokenizer;

    protected LanguageModel(GgufFile file) => File = file;

    /// <summary>The tokenizer described by the model's tokenizer.* metadata (built on first use).</summary>
    public Tokenizer Tokenizer => _tokenizer ??= TokenizerFactory.FromGguf(File.Metadata);

    /// <summary>The model file; tensor data stays mapped while the model lives.</summary>
    public GgufFile File { get; }

    public abstract string Architecture { get; }

    public abstract int VocabSize { get; }

    /// <summary>Longest sequence the model was trained for (positions 0..ContextLength-1).</summary>
    public abstract int ContextLength { get; }

    /// <summary>Transformer blocks.</summary>
    public abstract int LayerCount { get; }

    /// <summary>Key (and value) width per token and layer.</summary>
    public abstract int KvDim { get; }

    /// <summary>Bytes of weights one decode step reads: every matrix once (the embedding only when it is also the output head).</summary>
    public abstract long WeightBytesPerToken { get; }

    /// <summary>A key/value cache for this model holding <paramref name="tokens"/> positions in blocks of <paramref name="blockSize"/>.</summary>
    public KvCache CreateKvCache(int tokens, int blockSize = 16) => new(LayerCount, KvDim, (tokens + blockSize - 1) / blockSize, blockSize);

    /// <summary>Scratch buffers and kernels for forward passes of up to <paramref name="maxBatchTokens"/> tokens.</summary>
    public abstract IForwardWorkspace CreateWorkspace(int maxBatchTokens, WorkerPool pool);

    public virtual void Dispose()
    {
        File.Dispose();
        GC.SuppressFinalize(this);
    }
}
