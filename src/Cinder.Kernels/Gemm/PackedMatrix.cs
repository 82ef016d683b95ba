using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A weight matrix copied at load into a layout made for the integer kernels: rows in groups of eight,
/// each group's blocks contiguous. Products are computed a group of eight rows at a time.
/// </summary>
public abstract unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer _buffer;

    protected PackedMatrix(in WeightMatrix w, int blockBytes)
    {
        if (w.Rows % 8 != 0) throw new ArgumentException($"{w.Name} has {w.Rows} rows; packing needs a multiple of 8", nameof(w));
        Name = w.Name;
        Type = w.Type;
        Rows = w.Rows;
        Columns = w.Columns;
        Blocks = w.Columns / 32;
        PackedBlockBytes = blockBytes;
        _buffer = new NativeBuffer((long)Groups * Blocks * blockBytes);
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public int Rows { get; }
    public int Columns { get; }

    /// <summary>Groups of eight rows.</summary>
    public int Groups => Rows / 8;

    /// <summary>Blocks of 32 columns per row.</summary>
    public int Blocks { get; }

    protected int PackedBlockBytes { get; }

    public long Bytes => _buffer.Length;

    /// <summary>Start of the packed data of (group, block).</summary>
    protected byte* Block(int group, int block) => _buffer.Pointer + ((long)group * Blocks + block) * PackedBlockBytes;

    /// <summary>
    /// y[t · yStride + r] = Σ_c W[r, c] · x[t, c] for the rows of groups [groupStart, groupEnd) and tokens
    /// [0, tokens), x given as quantized activations.
    /// </summary>
    public abstract void Multiply(Q8Activations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa);

    public void Dispose()
    {
        _buffer.Dispose();
        GC.SuppressFinalize(this);
    }
}
