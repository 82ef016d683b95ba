using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Cinder.Kernels.Formats;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Activation rows quantized as ggml's quantize_row_q8_K (<see cref="BlockQ8_K"/>): blocks of 256 levels with one
/// float scale, the value of largest magnitude mapped to -127, and the sums of every 16 levels (ggml's bsums) and of
/// every 32 levels in side arrays. The activations of the K-quant kernels (<see cref="PackedQ4_K"/>, <see cref="PackedQ6_K"/>):
/// the sums carry the weights' minimums (Q4_K) and level offset (Q6_K) out of the integer inner loop.
/// </summary>
public sealed unsafe class Q8KActivations : QuantizedActivations
{
    public const int SuperBlockLength = 256;

    private short* _sums16;
    private short* _sums32;

    public Q8KActivations() : base(SuperBlockLength)
    {
    }

    public override ActivationFormat Format => ActivationFormat.Q8_K;

    /// <summary>Σ levels of each 16 of row r (ggml's bsums): Columns / 16 values.</summary>
    public short* Sums16(int row) => _sums16 + (long)row * (Columns / 16);

    /// <summary>Σ levels of each 32 of row r: Columns / 32 values.</summary>
    public short* Sums32(int row) => _sums32 + (long)row * (Columns / 32);

    protected override void QuantizeRow(float* x, int row)
    {
        sbyte* q = Levels(row);
        float* d = Scales(row);
        short* s16 = Sums16(row);
        short* s32 = Sums32(row);
        for (int b = 0; b < BlocksPerRow; b++)
        {
            QuantizeBlock(x + b * SuperBlockLength, q + b * SuperBlockLength, out d[b], s16 + b * 16);
            for (int j = 0; j < 8; j++) s32[b * 8 + j] = (short)(s16[b * 16 + 2 * j] + s16[b * 16 + 2 * j + 1]);
        }
    }

    /// <summary>
    /// quantize_row_q8_K_ref on one block: max = the first value of largest magnitude, iscale = -127 / max,
    /// q = min(127, nearest_int(iscale · x)) (ties to even, which the vector rounding also does), d = 1 / iscale;
    /// an all-zero block gets d = 0. Both paths give ggml's bytes exactly.
    /// </summary>
    internal static void QuantizeBlock(float* x, sbyte* q, out float d, short* sums16)
    {
        if (Vector256.IsHardwareAccelerated) QuantizeBlockVector256(x, q, out d, sums16);
        else QuantizeBlockScalar(x, q, out d, sums16);
    }

    internal static void QuantizeBlockVector256(float* x, sbyte* q, out float d, short* sums16)
    {
        var m = Vector256<float>.Zero;
        for (int i = 0; i < SuperBlockLength; i += 8) m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
        var h = Vector128.Max(m.GetLower(), m.GetUpper());
        float amax = MathF.Max(MathF.Max(h[0], h[1]), MathF.Max(h[2], h[3]));
        if (amax == 0)
        {
            Zero(q, out d, sums16);
            return;
        }
        float max = 0;
        var target = Vector256.Create(amax);
        for (int i = 0; i < SuperBlockLength; i += 8)
        {
            uint hits = Vector256.Equals(Vector256.Abs(Vector256.Load(x + i)), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                max = x[i + BitOperations.TrailingZeroCount(hits)];
                break;
            }
        }
        float iscale = -127f / max;
        var s = Vector256.Create(iscale);
        var top = Vector256.Create(127);
        for (int i = 0; i < SuperBlockLength; i += 32)
        {
            var i0 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i) * s)), top);
            var i1 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 8) * s)), top);
            var i2 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 16) * s)), top);
            var i3 = Vector256.Min(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 24) * s)), top);
            sums16[i / 16] = (short)Vector256.Sum(i0 + i1);
            sums16[i / 16 + 1] = (short)Vector256.Sum(i2 + i3);
            Vector256.Narrow(Vector256.Narrow(i0, i1), Vector256.Narrow(i2, i3)).Store(q + i);
        }
        d = 1 / iscale;
    }

    internal static void QuantizeBlockScalar(float* x, sbyte* q, out float d, short* sums16)
    {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < SuperBlockLength; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax)
            {
                amax = ax;
                max = x[i];
            }
        }
        if (amax == 0)
        {
            Zero(q, out d, sums16);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 16; j++)
        {
            int sum = 0;
            for (int i = 16 * j; i < 16 * j + 16; i++)
            {
                int v = Math.Min(127, QuantMath.NearestInt(iscale * x[i]));
                q[i] = (sbyte)v;
                sum += v;
            }
            sums16[j] = (short)sum;
        }
        d = 1 / iscale;
    }

    private static void Zero(sbyte* q, out float d, short* sums16)
    {
        new Span<byte>(q, SuperBlockLength).Clear();
        new Span<short>(sums16, 16).Clear();
        d = 0;
    }

    protected override void AllocateSums(long blocks)
    {
        _sums16 = (short*)NativeMemory.AlignedAlloc((nuint)(blocks * 16 * sizeof(short)), 64);
        _sums32 = (short*)NativeMemory.AlignedAlloc((nuint)(blocks * 8 * sizeof(short)), 64);
    }

    protected override void FreeSums()
    {
        if (_sums16 != null) NativeMemory.AlignedFree(_sums16);
        if (_sums32 != null) NativeMemory.AlignedFree(_sums32);
        _sums16 = null;
        _sums32 = null;
    }
}
