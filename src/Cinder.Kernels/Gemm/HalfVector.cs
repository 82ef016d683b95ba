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

    /// <summary>Sixteen halves to sixteen floats, exactly (finite halves; the F16Weights trick plus the 2^112 scale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(Half* p)
    {
        var h = Vector512.WidenLower(Vector256.Load((short*)p).ToVector512Unsafe());
        return ((h << 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector512.Create(5.192297e33f);
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

    /// <summary>
    /// Sixteen floats to halves, rounding to nearest even like F16C's vcvtps2ph (and System.Half): normal
    /// results by integer rounding of the rebiased bits, subnormal results by letting a float addition round,
    /// overflow to infinity, NaN to a quiet NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ushort> ToHalf(Vector512<float> f)
    {
        var u = f.AsUInt32();
        var sign = (u >> 16) & Vector512.Create(0x8000u);
        var a = u & Vector512.Create(0x7FFFFFFFu);
        // Normal halves: rebias the exponent (127 -> 15), round the 13 dropped bits to nearest even.
        var normal = (a - Vector512.Create(0x38000000u) + Vector512.Create(0xFFFu) + ((a >> 13) & Vector512.Create(1u))) >> 13;
        // Subnormal halves: adding 0.5 makes the float unit round at the half's subnormal unit.
        var sub = (a.AsSingle() + Vector512.Create(0.5f)).AsUInt32() - Vector512.Create(0x3F000000u);
        var result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(0x38800000u)), sub, normal);
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(0x477FF000u)), Vector512.Create(0x7C00u), result);
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(0x7F800000u)), Vector512.Create(0x7E00u), result);
        result |= sign;
        return Vector256.Narrow(result.GetLower(), result.GetUpper());
    }

    /// <summary>
    /// (float)(Half)f for sixteen floats without leaving F32: the same rounding as <see cref="ToHalf(Vector512{float})"/>
    /// (nearest even; half subnormals; overflow to infinity; NaN quiet) applied to the float's own bits. An
    /// accumulator kept in F32 but rounded like this after every step holds exactly what an F16 one would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RoundToHalfPrecision(Vector512<float> f)
    {
        var u = f.AsUInt32();
        var sign = u & Vector512.Create(0x80000000u);
        var a = u & Vector512.Create(0x7FFFFFFFu);
        var normal = (a + Vector512.Create(0xFFFu) + ((a >> 13) & Vector512.Create(1u))) & Vector512.Create(0xFFFFE000u);
        var sub = ((a.AsSingle() + Vector512.Create(0.5f)) - Vector512.Create(0.5f)).AsUInt32();
        var result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(0x38800000u)), sub, normal);
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(0x477FF000u)), Vector512.Create(0x7F800000u), result);
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(0x7F800000u)), Vector512.Create(0x7FC00000u), result);
        return (result | sign).AsSingle();
    }

    /// <summary>Eight floats to halves (see the 512-bit overload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ushort> ToHalf(Vector256<float> f)
    {
        var u = f.AsUInt32();
        var sign = (u >> 16) & Vector256.Create(0x8000u);
        var a = u & Vector256.Create(0x7FFFFFFFu);
        var normal = (a - Vector256.Create(0x38000000u) + Vector256.Create(0xFFFu) + ((a >> 13) & Vector256.Create(1u))) >> 13;
        var sub = (a.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F000000u);
        var result = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0x38800000u)), sub, normal);
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256.Create(0x477FF000u)), Vector256.Create(0x7C00u), result);
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256.Create(0x7F800000u)), Vector256.Create(0x7E00u), result);
        return Vector128.Narrow((result | sign).GetLower(), (result | sign).GetUpper());
    }

    private static float[] BuildTable()
    {
        var t = new float[65536];
        for (int i = 0; i < t.Length; i++) t[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return t;
    }
}
