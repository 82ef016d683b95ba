using System.Runtime.InteropServices;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A batch of activation rows quantized to signed 8-bit levels for the integer kernels: the levels of each row
/// contiguous, one float scale per block of <see cref="BlockLength"/> levels, and whatever per-block sums the
/// format's weights need (in the derived class). Buffers are native, 64-byte aligned, and grow only when a
/// larger batch arrives, so quantizing in the decode loop allocates nothing.
/// </summary>
/// <remarks>x[r, c] ≈ Levels(r)[c] · Scales(r)[c / BlockLength].</remarks>
public abstract unsafe class QuantizedActivations : IDisposable
{
    private sbyte* _q;
    private float* _d;
    private long _capacity; // values

    protected QuantizedActivations(int blockLength) => BlockLength = blockLength;

    /// <summary>Levels per scale.</summary>
    public int BlockLength { get; }

    /// <summary>The format, which decides which packed matrices these activations can multiply.</summary>
    public abstract ActivationFormat Format { get; }

    public int Rows { get; private set; }
    public int Columns { get; private set; }
    public int BlocksPerRow => Columns / BlockLength;

    /// <summary>Levels of row r: Columns values.</summary>
    public sbyte* Levels(int row) => _q + (long)row * Columns;

    /// <summary>Scales of row r: one per block.</summary>
    public float* Scales(int row) => _d + (long)row * BlocksPerRow;

    /// <summary>Quantizes <paramref name="rows"/> rows of <paramref name="columns"/> floats (a multiple of <see cref="BlockLength"/>).</summary>
    public void Quantize(float* x, int rows, int columns)
    {
        if (columns % BlockLength != 0) throw new ArgumentException($"row length {columns} is not a multiple of {BlockLength}", nameof(columns));
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "row count must not be negative");
        long values = (long)rows * columns;
        if (values > _capacity)
        {
            Free();
            long blocks = values / BlockLength + 1;
            _q = (sbyte*)NativeMemory.AlignedAlloc((nuint)values + 64, 64);
            _d = (float*)NativeMemory.AlignedAlloc((nuint)(blocks * sizeof(float)), 64);
            AllocateSums(blocks);
            _capacity = values;
        }
        Rows = rows;
        Columns = columns;
        for (int r = 0; r < rows; r++) QuantizeRow(x + (long)r * columns, r);
    }

    /// <summary>The values the levels stand for: destination[c] = Levels(row)[c] · Scales(row)[c / BlockLength] (for tests and references).</summary>
    public void DequantizeRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"there are {Rows} rows");
        if (destination.Length != Columns) throw new ArgumentException($"destination holds {destination.Length} values, a row has {Columns}", nameof(destination));
        sbyte* q = Levels(row);
        float* d = Scales(row);
        for (int c = 0; c < Columns; c++) destination[c] = q[c] * d[c / BlockLength];
    }

    /// <summary>Quantizes one row of <see cref="Columns"/> values into row <paramref name="row"/>'s levels, scales and sums.</summary>
    protected abstract void QuantizeRow(float* x, int row);

    /// <summary>Allocates the per-block side arrays for <paramref name="blocks"/> blocks (the previous ones were freed).</summary>
    protected abstract void AllocateSums(long blocks);

    protected abstract void FreeSums();

    private void Free()
    {
        if (_q != null) NativeMemory.AlignedFree(_q);
        if (_d != null) NativeMemory.AlignedFree(_d);
        _q = null;
        _d = null;
        FreeSums();
        _capacity = 0;
    }

    /// <summary>A new, empty buffer of the given format.</summary>
    public static QuantizedActivations Create(ActivationFormat format) => format switch
    {
        ActivationFormat.Q8_0 => new Q8Activations(),
        ActivationFormat.Q8_K => new Q8KActivations(),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown activation format"),
    };

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~QuantizedActivations() => Free();
}
