using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>How a floating-point weight type turns into F32 lanes (the kernels are generic over it).</summary>
public unsafe interface IFloatWeights
{
    static abstract GgmlType Type { get; }
    static abstract int ElementBytes { get; }
    static abstract float Load1(byte* p, int i);
    static abstract Vector128<float> Load4(byte* p, int i);
    static abstract Vector256<float> Load8(byte* p, int i);
    static abstract Vector512<float> Load16(byte* p, int i);
}

public unsafe struct F32Weights : IFloatWeights
{
    public static GgmlType Type => GgmlType.F32;
    public static int ElementBytes => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => ((float*)p)[i];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load4(byte* p, int i) => Vector128.Load((float*)p + i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load8(byte* p, int i) => Vector256.Load((float*)p + i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load16(byte* p, int i) => Vector512.Load((float*)p + i);
}

/// <summary>
/// IEEE halves without F16C: sign-extend to 32 bits, shift the exponent and mantissa into single-precision
/// position, keep the sign bit and clear the copies of it, then scale by 2^112 — four integer/float ops for
/// any finite half, subnormals included (the shifted bits read as a float are exactly value · 2^-112).
/// </summary>
public unsafe struct F16Weights : IFloatWeights
{
    private const float TwoTo112 = 5.192297e33f;
    private const int Mask = unchecked((int)0x8FFFE000);

    public static GgmlType Type => GgmlType.F16;
    public static int ElementBytes => 2;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => HalfVector.ToSingle(((ushort*)p)[i]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load4(byte* p, int i)
    {
        var h = Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)((short*)p + i)).AsInt16());
        return ((h << 13) & Vector128.Create(Mask)).AsSingle() * Vector128.Create(TwoTo112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, int i)
    {
        var h = Vector256.WidenLower(Vector128.Load((short*)p + i).ToVector256Unsafe());
        return ((h << 13) & Vector256.Create(Mask)).AsSingle() * Vector256.Create(TwoTo112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, int i)
    {
        var h = Vector512.WidenLower(Vector256.Load((short*)p + i).ToVector512Unsafe());
        return ((h << 13) & Vector512.Create(Mask)).AsSingle() * Vector512.Create(TwoTo112);
    }
}

/// <summary>bfloat16: the upper half of an F32, so widening and shifting by 16 is the whole conversion.</summary>
public unsafe struct Bf16Weights : IFloatWeights
{
    public static GgmlType Type => GgmlType.BF16;
    public static int ElementBytes => 2;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => BitConverter.Int32BitsToSingle(((ushort*)p)[i] << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load4(byte* p, int i) =>
        (Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)((ushort*)p + i)).AsUInt16()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, int i) => (Vector256.WidenLower(Vector128.Load((ushort*)p + i).ToVector256Unsafe()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, int i) => (Vector512.WidenLower(Vector256.Load((ushort*)p + i).ToVector512Unsafe()) << 16).AsSingle();
}
