using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>Row-level helpers over any <see cref="IQuantBlock{TSelf}"/>: a row of n elements is n / BlockLength consecutive blocks.</summary>
public static class QuantRows
{
    /// <summary>Views raw tensor bytes as blocks (no copy). The byte count must be a whole number of blocks.</summary>
    public static ReadOnlySpan<TBlock> AsBlocks<TBlock>(ReadOnlySpan<byte> bytes) where TBlock : unmanaged, IQuantBlock<TBlock>
    {
        int size = Unsafe.SizeOf<TBlock>();
        if (bytes.Length % size != 0)
            throw new ArgumentException($"{bytes.Length} bytes is not a whole number of {TBlock.Type} blocks of {size} bytes", nameof(bytes));
        return MemoryMarshal.Cast<byte, TBlock>(bytes);
    }

    /// <summary>Views a writable byte buffer as blocks (no copy).</summary>
    public static Span<TBlock> AsBlocks<TBlock>(Span<byte> bytes) where TBlock : unmanaged, IQuantBlock<TBlock>
    {
        int size = Unsafe.SizeOf<TBlock>();
        if (bytes.Length % size != 0)
            throw new ArgumentException($"{bytes.Length} bytes is not a whole number of {TBlock.Type} blocks of {size} bytes", nameof(bytes));
        return MemoryMarshal.Cast<byte, TBlock>(bytes);
    }

    /// <summary>Dequantizes blocks into <paramref name="destination"/>, whose length must be blocks * BlockLength.</summary>
    public static void Dequantize<TBlock>(ReadOnlySpan<TBlock> blocks, Span<float> destination) where TBlock : unmanaged, IQuantBlock<TBlock>
    {
        int n = TBlock.BlockLength;
        if (destination.Length != blocks.Length * n) ThrowHelper.LengthMismatch(nameof(destination), blocks.Length * n, destination.Length);
        for (int i = 0; i < blocks.Length; i++) TBlock.Dequantize(in blocks[i], destination.Slice(i * n, n));
    }

    /// <summary>Quantizes <paramref name="source"/> (a multiple of BlockLength) into blocks, one per BlockLength elements.</summary>
    public static void Quantize<TBlock>(ReadOnlySpan<float> source, Span<TBlock> blocks) where TBlock : unmanaged, IQuantBlock<TBlock>
    {
        int n = TBlock.BlockLength;
        if (source.Length % n != 0) ThrowHelper.NotBlockMultiple(nameof(source), TBlock.Type, source.Length, n);
        if (blocks.Length != source.Length / n) ThrowHelper.BlockCountMismatch(nameof(blocks), source.Length / n, blocks.Length);
        for (int i = 0; i < blocks.Length; i++) TBlock.Quantize(source.Slice(i * n, n), out blocks[i]);
    }

    /// <summary>Quantizes a row into a freshly allocated block array (for tests and tools, not hot paths).</summary>
    public static TBlock[] Quantize<TBlock>(ReadOnlySpan<float> source) where TBlock : unmanaged, IQuantBlock<TBlock>
    {
        if (source.Length % TBlock.BlockLength != 0) ThrowHelper.NotBlockMultiple(nameof(source), TBlock.Type, source.Length, TBlock.BlockLength);
        var blocks = new TBlock[source.Length / TBlock.BlockLength];
        Quantize(source, blocks.AsSpan());
        return blocks;
    }

    /// <summary>The scalar reference dot product of a weight row with an activation row (see <see cref="IWeightBlock{TSelf, TActivation}.DotReference"/>).</summary>
    public static float DotReference<TWeight, TActivation>(ReadOnlySpan<TWeight> weights, ReadOnlySpan<TActivation> activations)
        where TWeight : unmanaged, IWeightBlock<TWeight, TActivation>
        where TActivation : unmanaged, IQuantBlock<TActivation>
        => TWeight.DotReference(weights, activations);
}
