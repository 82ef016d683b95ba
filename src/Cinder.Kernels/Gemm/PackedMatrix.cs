using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A weight matrix copied at load into a layout made for the integer kernels: rows in groups of eight,
/// each group's blocks contiguous. Products are computed a group of eight rows at a time, against activations
/// quantized in the matrix's <see cref="ActivationFormat"/>.
/// </summary>
public abstract unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer _buffer;

    /// <param name="blockLength">Columns per block (32, or 256 for the K-quants).</param>
    /// <param name="blockBytes">Bytes of one block of a group of eight rows.</param>
    protected PackedMatrix(in WeightMatrix w, int blockLength, int blockBytes)
    {
        if (w.Rows % 8 != 0) throw new ArgumentException($"{w.Name} has {w.Rows} rows; packing needs a multiple of 8", nameof(w));
        if (w.Columns % blockLength != 0) throw new ArgumentException($"{w.Name} has {w.Columns} columns; packing needs a multiple of {blockLength}", nameof(w));
        Name = w.Name;
        Type = w.Type;
        Rows = w.Rows;
        Columns = w.Columns;
        BlockLength = blockLength;
        Blocks = w.Columns / blockLength;
        PackedBlockBytes = blockBytes;
        _buffer = new NativeBuffer((long)Groups * Blocks * blockBytes);
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public int Rows { get; }
    public int Columns { get; }

    /// <summary>The activations <see cref="Multiply"/> takes.</summary>
    public abstract ActivationFormat ActivationFormat { get; }

    /// <summary>Groups of eight rows.</summary>
    public int Groups => Rows / 8;

    /// <summary>Columns per block.</summary>
    public int BlockLength { get; }

    /// <summary>Blocks of <see cref="BlockLength"/> columns per row.</summary>
    public int Blocks { get; }

    protected int PackedBlockBytes { get; }

    public long Bytes => _buffer.Length;

    /// <summary>Start of the packed data of (group, block).</summary>
    protected byte* Block(int group, int block) => _buffer.Pointer + ((long)group * Blocks + block) * PackedBlockBytes;

    /// <summary>
    /// y[t · yStride + r] = Σ_c W[r, c] · x[t, c] for the rows of groups [groupStart, groupEnd) and tokens
    /// [0, tokens), x given as quantized activations in <see cref="ActivationFormat"/>.
    /// </summary>
    public abstract void Multiply(QuantizedActivations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa);

    /// <summary>The activations as the derived class's format, or an exception saying what was expected.</summary>
    protected T Expect<T>(QuantizedActivations activations, int tokens) where T : QuantizedActivations
    {
        if (activations is T typed && activations.Columns == Columns && (uint)tokens <= (uint)activations.Rows) return typed;
        throw new ArgumentException(
            $"{Name} ({Type}, {Columns} columns) multiplies {tokens} rows of {ActivationFormat} activations of {Columns} columns, got {activations.Rows} rows of {activations.Format} of {activations.Columns}",
            nameof(activations));
    }

    public void Dispose()
    {
        _buffer.Dispose();
        GC.SuppressFinalize(this);
    }
}
