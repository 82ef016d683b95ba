using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// A ggml quantization block: a fixed-size, blittable struct laid out byte for byte as ggml lays it out on disk
/// (see ggml-common.h). Each block type states its ggml type, how many elements it holds, and how to turn
/// elements into a block and back with llama.cpp's reference arithmetic.
/// </summary>
/// <remarks>
/// These are the scalar references of DESIGN.md convention 1: written for clarity and for agreement with
/// ggml-quants.c, not for speed. Vectorised kernels live beside them and are tested against them.
/// </remarks>
public interface IQuantBlock<TSelf> where TSelf : unmanaged, IQuantBlock<TSelf>
{
    /// <summary>The ggml type this block encodes.</summary>
    static abstract GgmlType Type { get; }

    /// <summary>Elements per block (ggml's blck_size: 32 for the legacy formats, 256 for the K-quants).</summary>
    static abstract int BlockLength { get; }

    /// <summary>Expands <paramref name="block"/> into <see cref="BlockLength"/> floats (ggml's dequantize_row_*).</summary>
    static abstract void Dequantize(in TSelf block, Span<float> destination);

    /// <summary>Encodes <see cref="BlockLength"/> floats as llama.cpp's quantize_row_*_ref does (no importance matrix).</summary>
    static abstract void Quantize(ReadOnlySpan<float> source, out TSelf block);
}
