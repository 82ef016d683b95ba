using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>How a floating-point weight type turns into F32 lanes (the kernels are generic over it).</summary>
public unsafe interface IFloatWeights
{
    static abstract GgmlType Type { get; }
    static abstract int ElementBytes { get; }

    /// <summary>
    /// The loads return weight · 1/ActivationScale; the kernels expect activations multiplied by it, so
    /// products come out exact. 1 except for F16, where it saves a multiply per weight vector.
    /// </summary>
    static abstract float ActivationScale { get; }
    static abstract float Load1(byte* p, int i);
    static abstract Vector128<float> Load4(byte* p, int i);
    static abstract Vector256<float> Load8(byte* p, int i);
    static abstract Vector512<float> Load16(byte* p, int i);
}

public unsafe struct F32Weights : IFloatWeights
{
    public static GgmlType Type => GgmlType.F32;
    public static int ElementBytes => 4;
    public static float ActivationScale => 1f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => ((float*)p)[i];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load4(byte* p, int i) => Vector128.Load((float*)p + i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load8(byte* p, int i) => Vector256.Load((float*)p + i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load16(byte* p, int i) => Vector512.Load((float*)p + i);
}

/// <summary>
/// IEEE halves without F16C: sign-extend to 32 bits, shift the exponent and mantissa into single-precision
/// position, keep the sign bit and clear the copies of it — three integer ops for any finite half,
/// subnormals included. The bits read as a float are exactly value · 2^-112; rather than multiply every
/// weight by 2^112 the activations are multiplied once (<see cref="ActivationScale"/>). Activations are
/// rounded to F16 for F16 weights (as llama.cpp does), so |x| ≤ 65504 and x · 2^112 stays finite.
/// </summary>
public unsafe struct F16Weights : IFloatWeights
{
    /// <summary>2^112.</summary>
    public const float Scale = 5.192297e33f;
    private const int Mask = unchecked((int)0x8FFFE000);

    public static GgmlType Type => GgmlType.F16;
    public static int ElementBytes => 2;
    public static float ActivationScale => Scale;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => HalfVector.ToSingle(((ushort*)p)[i]) * (1f / Scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load4(byte* p, int i)
    {
        var h = Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)((short*)p + i)).AsInt16());
        return ((h << 13) & Vector128.Create(Mask)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, int i)
    {
        var h = Vector256.WidenLower(Vector128.Load((short*)p + i).ToVector256Unsafe());
        return ((h << 13) & Vector256.Create(Mask)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, int i)
    {
        var h = Vector512.WidenLower(Vector256.Load((short*)p + i).ToVector512Unsafe());
        return ((h << 13) & Vector512.Create(Mask)).AsSingle();
    }
}

/// <summary>bfloat16: the upper half of an F32, so widening and shifting by 16 is the whole conversion.</summary>
public unsafe struct Bf16Weights : IFloatWeights
{
    public static GgmlType Type => GgmlType.BF16;
    public static int ElementBytes => 2;
    public static float ActivationScale => 1f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load1(byte* p, int i) => BitConverter.Int32BitsToSingle(((ushort*)p)[i] << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load4(byte* p, int i) =>
        (Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)((ushort*)p + i)).AsUInt16()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p, int i) => (Vector256.WidenLower(Vector128.Load((ushort*)p + i).ToVector256Unsafe()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p, int i) => (Vector512.WidenLower(Vector256.Load((ushort*)p + i).ToVector512Unsafe()) << 16).AsSingle();
}
