using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// IEEE half to single conversion for vectors. .NET exposes no F16C instructions, so this is the classic
/// bit manipulation: shift the exponent and mantissa into place and rescale by 2^112 (which also turns
/// subnormal halves into normal floats), then restore infinities and NaNs and the sign.
/// </summary>
public static class HalfVector
{
    private static readonly float[] Table = BuildTable();

    /// <summary>Scalar lookup (256 KiB table, in cache during a matrix product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => Table[bits];

    /// <summary>Eight halves (the low half of a 128-bit load) to eight floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector128<ushort> halves)
    {
        var h = Vector256.WidenLower(halves.ToVector256Unsafe()).AsUInt32();
        var em = (h & Vector256.Create(0x7FFFu)) << 13;
        var f = em.AsSingle() * Vector256.Create(5.192297e33f); // 2^112
        var isSpecial = Vector256.GreaterThanOrEqual(em, Vector256.Create(0x7C00u << 13));
        // inf/NaN keep their payload; a NaN comes out quiet, as F16C's vcvtph2ps and System.Half make it.
        var special = (em | Vector256.Create(0x7F800000u) | (Vector256.GreaterThan(em, Vector256.Create(0x7C00u << 13)) & Vector256.Create(0x00400000u))).AsSingle();
        var sign = ((h & Vector256.Create(0x8000u)) << 16).AsSingle();
        return Vector256.ConditionalSelect(isSpecial.AsSingle(), special, f) | sign;
    }

    /// <summary>Four halves to four floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(Vector64<ushort> halves)
    {
        var h = Vector128.WidenLower(halves.ToVector128Unsafe()).AsUInt32();
        var em = (h & Vector128.Create(0x7FFFu)) << 13;
        var f = em.AsSingle() * Vector128.Create(5.192297e33f);
        var isSpecial = Vector128.GreaterThanOrEqual(em, Vector128.Create(0x7C00u << 13));
        var special = (em | Vector128.Create(0x7F800000u) | (Vector128.GreaterThan(em, Vector128.Create(0x7C00u << 13)) & Vector128.Create(0x00400000u))).AsSingle();
        var sign = ((h & Vector128.Create(0x8000u)) << 16).AsSingle();
        return Vector128.ConditionalSelect(isSpecial.AsSingle(), special, f) | sign;
    }

    private static float[] BuildTable()
    {
        var t = new float[65536];
        for (int i = 0; i < t.Length; i++) t[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return t;
    }
}
