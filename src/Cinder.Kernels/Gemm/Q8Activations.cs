using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Activation rows quantized to 8 bits in blocks of 32 (ggml's Q8_0 scheme: d = max|x| / 127, q = round(x / d)),
/// with the per-block sums of levels (Σq, for the offset of unsigned weight levels) in a side array.
/// The activations of <see cref="PackedQ8_0"/> and <see cref="PackedQ4_0"/>.
/// </summary>
public sealed unsafe class Q8Activations : QuantizedActivations
{
    private int* _sums;

    public Q8Activations() : base(32)
    {
    }

    public override ActivationFormat Format => ActivationFormat.Q8_0;

    /// <summary>Σ levels of each block of row r.</summary>
    public int* Sums(int row) => _sums + (long)row * BlocksPerRow;

    protected override void QuantizeRow(float* x, int row)
    {
        sbyte* q = Levels(row);
        float* d = Scales(row);
        int* s = Sums(row);
        for (int b = 0; b < BlocksPerRow; b++) QuantizeBlock(x + b * 32, q + b * 32, out d[b], out s[b]);
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
        for (int i = 0; i < 32; i++) max = MathF.Max(max, MathF.Abs(x[i]));
        d = (float)(Half)(max / 127f);
        float inv = max != 0 ? 127f / max : 0f;
        int total = 0;
        for (int i = 0; i < 32; i++)
        {
            int v = (int)MathF.Round(x[i] * inv, MidpointRounding.ToEven);
            q[i] = (sbyte)v;
            total += v;
        }
        sum = total;
    }

    protected override void AllocateSums(long blocks) => _sums = (int*)NativeMemory.AlignedAlloc((nuint)(blocks * sizeof(int)), 64);

    protected override void FreeSums()
    {
        if (_sums != null) NativeMemory.AlignedFree(_sums);
        _sums = null;
    }
}
