using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A weight matrix copied at load into a layout made for the integer kernels: rows in groups of eight,
/// each group's blocks contiguous. Products are computed a group of eight rows at a time, against activations
/// quantized in the matrix's <see cref="ActivationFormat"/>.
/// </summary>
public abstract unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer? _buffer; // null for a stack of packed matrices, which owns no data of its own

    /// <param name="parts">Matrices of one type and width stacked row-wise into one (Q, K and V; gate and up), each with a multiple of 8 rows.</param>
    /// <param name="blockLength">Columns per block: 32, or 256 for the K-quants' super-blocks.</param>
    /// <param name="blockBytes">Packed bytes per group of 8 rows and block of <paramref name="blockLength"/> columns.</param>
    protected PackedMatrix(IReadOnlyList<WeightMatrix> parts, int blockLength, int blockBytes)
    {
        if (parts.Count == 0) throw new ArgumentException("no matrices to pack", nameof(parts));
        var first = parts[0];
        foreach (var p in parts)
        {
            if (p.Rows % 8 != 0) throw new ArgumentException($"{p.Name} has {p.Rows} rows; packing needs a multiple of 8", nameof(parts));
            if (p.Type != first.Type || p.Columns != first.Columns) throw new ArgumentException($"{p.Name} differs in type or width from {first.Name}", nameof(parts));
        }
        if (first.Columns % blockLength != 0) throw new ArgumentException($"{first.Name} has {first.Columns} columns; packing needs a multiple of {blockLength}", nameof(parts));
        _parts = parts.ToArray();
        Name = string.Join("+", parts.Select(p => p.Name));
        Type = first.Type;
        Rows = parts.Sum(p => p.Rows);
        Columns = first.Columns;
        BlockLength = blockLength;
        Blocks = first.Columns / blockLength;
        PackedBlockBytes = blockBytes;
        _buffer = new NativeBuffer((long)Groups * Blocks * blockBytes);
    }

    /// <summary>A matrix made of other packed matrices (<see cref="PackedStack"/>): no buffer, no source rows.</summary>
    private protected PackedMatrix(string name, GgmlType type, int rows, int columns, int blockLength)
    {
        Name = name;
        Type = type;
        Rows = rows;
        Columns = columns;
        BlockLength = blockLength;
        Blocks = columns / blockLength;
        _parts = [];
    }

    private readonly WeightMatrix[] _parts;

    /// <summary>Row <paramref name="row"/> of the stacked matrix, in the source layout.</summary>
    protected byte* SourceRow(int row)
    {
        foreach (var p in _parts)
        {
            if (row < p.Rows) return p.Row(row);
            row -= p.Rows;
        }
        throw new ArgumentOutOfRangeException(nameof(row));
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

    /// <summary>Bytes of packed data.</summary>
    public virtual long Bytes => _buffer!.Length;

    /// <summary>Start of the packed data of (group, block).</summary>
    protected byte* Block(int group, int block) => _buffer!.Pointer + ((long)group * Blocks + block) * PackedBlockBytes;

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
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the packed data (a stack frees its parts).</summary>
    private protected virtual void DisposeCore() => _buffer?.Dispose();
}
