using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A batch of activation rows quantized to 8 bits in blocks of 32 (ggml's Q8_0 scheme: d = max|x| / 127,
/// q = round(x / d)), laid out for the integer kernels: the levels of each row contiguous, the scales and
/// the per-block sums of levels (Σq, for the offset of unsigned weight levels) in side arrays.
/// Buffers are native, 64-byte aligned, and grow only when a larger batch arrives.
/// </summary>
public sealed unsafe class Q8Activations : IDisposable
{
    public const int BlockLength = 32;

    private sbyte* _q;
    private float* _d;
    private int* _sums;
    private long _capacity; // values

    public int Rows { get; private set; }
    public int Columns { get; private set; }
    public int BlocksPerRow => Columns / BlockLength;

    /// <summary>Levels of row r: Columns values.</summary>
    public sbyte* Levels(int row) => _q + (long)row * Columns;

    /// <summary>Scales of row r: one per block.</summary>
    public float* Scales(int row) => _d + (long)row * BlocksPerRow;

    /// <summary>Σ levels of each block of row r.</summary>
    public int* Sums(int row) => _sums + (long)row * BlocksPerRow;

    /// <summary>Quantizes <paramref name="rows"/> rows of <paramref name="columns"/> floats (a multiple of 32).</summary>
    public void Quantize(float* x, int rows, int columns)
    {
        if (columns % BlockLength != 0) throw new ArgumentException($"row length {columns} is not a multiple of {BlockLength}", nameof(columns));
        Ensure((long)rows * columns);
        Rows = rows;
        Columns = columns;
        int blocks = columns / BlockLength;
        for (int r = 0; r < rows; r++)
        {
            float* src = x + (long)r * columns;
            sbyte* q = Levels(r);
            float* d = Scales(r);
            int* s = Sums(r);
            for (int b = 0; b < blocks; b++) QuantizeBlock(src + b * BlockLength, q + b * BlockLength, out d[b], out s[b]);
        }
    }

    /// <summary>
    /// One block as ggml's vector quantize_row_q8_0 does it: q = round(x · 127/max|x|) half to even, and the
    /// scale d = max|x|/127 rounded to F16 (it is stored as a half in a block_q8_0). Using llama.cpp's exact
    /// activations keeps quantized models' logits within noise of its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void QuantizeBlock(float* x, sbyte* q, out float d, out int sum)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var v0 = Vector256.Load(x);
            var v1 = Vector256.Load(x + 8);
            var v2 = Vector256.Load(x + 16);
            var v3 = Vector256.Load(x + 24);
            var m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
            var h = Vector128.Max(m.GetLower(), m.GetUpper());
            float amax = MathF.Max(MathF.Max(h[0], h[1]), MathF.Max(h[2], h[3]));
            d = (float)(Half)(amax / 127f);
            var id = Vector256.Create(amax != 0 ? 127f / amax : 0f);
            var i0 = Vector256.ConvertToInt32(Vector256.Round(v0 * id));
            var i1 = Vector256.ConvertToInt32(Vector256.Round(v1 * id));
            var i2 = Vector256.ConvertToInt32(Vector256.Round(v2 * id));
            var i3 = Vector256.ConvertToInt32(Vector256.Round(v3 * id));
            sum = Vector256.Sum(i0 + i1 + i2 + i3);
            var s01 = Vector256.Narrow(i0, i1); // int16, in order
            var s23 = Vector256.Narrow(i2, i3);
            Vector256.Narrow(s01, s23).Store(q);
            return;
        }
        float max = 0;
        for (int i = 0; i < BlockLength; i++) max = MathF.Max(max, MathF.Abs(x[i]));
        d = (float)(Half)(max / 127f);
        float inv = max != 0 ? 127f / max : 0f;
        int total = 0;
        for (int i = 0; i < BlockLength; i++)
        {
            int v = (int)MathF.Round(x[i] * inv, MidpointRounding.ToEven);
            q[i] = (sbyte)v;
            total += v;
        }
        sum = total;
    }

    private void Ensure(long values)
    {
        if (values <= _capacity) return;
        Free();
        long blocks = values / BlockLength + 1;
        _q = (sbyte*)NativeMemory.AlignedAlloc((nuint)values + 64, 64);
        _d = (float*)NativeMemory.AlignedAlloc((nuint)(blocks * sizeof(float)), 64);
        _sums = (int*)NativeMemory.AlignedAlloc((nuint)(blocks * sizeof(int)), 64);
        _capacity = values;
    }

    private void Free()
    {
        if (_q != null) NativeMemory.AlignedFree(_q);
        if (_d != null) NativeMemory.AlignedFree(_d);
        if (_sums != null) NativeMemory.AlignedFree(_sums);
        _q = null;
        _d = null;
        _sums = null;
        _capacity = 0;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~Q8Activations() => Free();
}
