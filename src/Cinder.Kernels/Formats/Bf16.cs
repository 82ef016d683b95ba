using System.Runtime.CompilerServices;

namespace Cinder.Kernels.Formats;

/// <summary>bfloat16 (ggml's BF16: the top 16 bits of an FP32) conversions, held as raw <see cref="ushort"/> bits.</summary>
public static class Bf16
{
    /// <summary>FP32 to BF16 as ggml_compute_fp32_to_bf16: round to nearest, ties to even; NaN is kept and made quiet.</summary>
    /// <remarks>bits = (u + 0x7FFF + ((u &gt;&gt; 16) &amp; 1)) &gt;&gt; 16 for numbers; (u &gt;&gt; 16) | 64 for NaN.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffff) > 0x7f800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
    }

    /// <summary>BF16 bits to FP32 (exact: the bits become the top half of the float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Converts a row; lengths must match.</summary>
    public static void FromFloat(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length != source.Length) ThrowHelper.LengthMismatch(nameof(destination), source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = FromFloat(source[i]);
    }

    /// <summary>Converts a row; lengths must match.</summary>
    public static void ToFloat(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length != source.Length) ThrowHelper.LengthMismatch(nameof(destination), source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = ToFloat(source[i]);
    }
}
