namespace Cinder.Gguf;

/// <summary>
/// Hard limits on everything read from an untrusted GGUF file. Beyond these, and beyond what the bytes
/// left in the file could hold, the reader throws <see cref="Core.GgufFormatException"/> before allocating.
/// </summary>
public sealed record GgufLimits
{
    public static GgufLimits Default { get; } = new();

    /// <summary>Longest metadata string or key, in bytes (chat templates are the longest real strings, tens of KB).</summary>
    public long MaxStringBytes { get; init; } = 16 << 20;

    /// <summary>Longest metadata key in bytes (real keys are dotted names such as "llama.rope.freq_base").</summary>
    public int MaxKeyBytes { get; init; } = 256;

    /// <summary>Most elements in one metadata array (vocabularies reach about 260k tokens, merges about 500k).</summary>
    public long MaxArrayLength { get; init; } = 1 << 26;

    /// <summary>Deepest nesting of arrays of arrays.</summary>
    public int MaxArrayDepth { get; init; } = 4;

    /// <summary>Most metadata key/value pairs.</summary>
    public long MaxKeyValueCount { get; init; } = 1 << 16;

    /// <summary>Most tensors.</summary>
    public long MaxTensorCount { get; init; } = 1 << 16;

    /// <summary>Most dimensions per tensor (ggml's GGML_MAX_DIMS).</summary>
    public int MaxDimensions { get; init; } = 4;

    /// <summary>Longest tensor name in bytes (ggml's GGML_MAX_NAME is 64 including the terminator).</summary>
    public int MaxTensorNameBytes { get; init; } = 63;

    /// <summary>Largest allowed general.alignment.</summary>
    public uint MaxAlignment { get; init; } = 1 << 20;
}
