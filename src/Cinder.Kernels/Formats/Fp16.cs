using System.Runtime.CompilerServices;

namespace Cinder.Kernels.Formats;

/// <summary>IEEE half precision (ggml's F16) conversions, rounding as ggml does.</summary>
public static class Fp16
{
    /// <summary>FP32 to FP16 with round to nearest, ties to even; overflow gives infinity (GGML_FP32_TO_FP16).</summary>
    /// <remarks>
    /// .NET's conversion rounds to nearest even like ggml's. Only NaN differs: .NET keeps payload bits, ggml's
    /// portable conversion returns the canonical quiet NaN 0x7E00 with the input's sign, which is used here.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Half FromFloat(float value)
    {
        if (float.IsNaN(value))
        {
            ushort sign = (ushort)((BitConverter.SingleToUInt32Bits(value) >> 16) & 0x8000);
            return BitConverter.UInt16BitsToHalf((ushort)(sign | 0x7E00));
        }
        return (Half)value;
    }

    /// <summary>FP16 to FP32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(Half value) => (float)value;

    /// <summary>Converts a row; lengths must match.</summary>
    public static void FromFloat(ReadOnlySpan<float> source, Span<Half> destination)
    {
        if (destination.Length != source.Length) ThrowHelper.LengthMismatch(nameof(destination), source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = FromFloat(source[i]);
    }

    /// <summary>Converts a row; lengths must match.</summary>
    public static void ToFloat(ReadOnlySpan<Half> source, Span<float> destination)
    {
        if (destination.Length != source.Length) ThrowHelper.LengthMismatch(nameof(destination), source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = (float)source[i];
    }
}
