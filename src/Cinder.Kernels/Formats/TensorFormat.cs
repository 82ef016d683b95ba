using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>
/// Row-level, type-dispatched conversions between raw tensor bytes and F32, and the scalar reference dot products,
/// for every tensor type Cinder reads. A row is n elements stored as n / block length blocks (ggml's layout).
/// </summary>
/// <remarks>
/// Conversions round as ggml does: F16 and BF16 round to nearest even (BF16 keeps NaN, made quiet); the block
/// formats follow llama.cpp's quantize_row_*_ref. Types outside <see cref="SupportedTypes"/> throw
/// <see cref="UnsupportedTensorTypeException"/>.
/// </remarks>
public static class TensorFormat
{
    /// <summary>Every type that can be dequantized to F32 and quantized from F32.</summary>
    public static IReadOnlyList<GgmlType> SupportedTypes { get; } = new[]
    {
        GgmlType.F32, GgmlType.F16, GgmlType.BF16,
        GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q8_1,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K,
    };

    private static bool IsSupported(GgmlType type) => type is
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 or GgmlType.Q8_1 or
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q8_K;

    /// <summary>True when <see cref="DequantizeRow"/> accepts <paramref name="type"/>.</summary>
    public static bool CanDequantize(GgmlType type) => IsSupported(type);

    /// <summary>True when <see cref="QuantizeRow"/> accepts <paramref name="type"/>.</summary>
    public static bool CanQuantize(GgmlType type) => IsSupported(type);

    /// <summary>Bytes taken by a row of <paramref name="elements"/> elements of <paramref name="type"/> (a multiple of its block length).</summary>
    public static int RowByteCount(GgmlType type, int elements)
    {
        var info = GgmlTypeInfo.Get(type);
        if (elements < 0 || elements % info.BlockSize != 0) ThrowHelper.NotBlockMultiple(nameof(elements), type, elements, info.BlockSize);
        return checked(elements / info.BlockSize * info.TypeSize);
    }

    /// <summary>Converts one row of <paramref name="type"/> to F32; the row length is <paramref name="destination"/>'s length.</summary>
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckRow(type, destination.Length, source.Length, nameof(source), "dequantize");
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case GgmlType.F16: Fp16.ToFloat(MemoryMarshal.Cast<byte, Half>(source), destination); break;
            case GgmlType.BF16: Bf16.ToFloat(MemoryMarshal.Cast<byte, ushort>(source), destination); break;
            case GgmlType.Q4_0: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ4_0>(source), destination); break;
            case GgmlType.Q4_1: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ4_1>(source), destination); break;
            case GgmlType.Q5_0: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ5_0>(source), destination); break;
            case GgmlType.Q5_1: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ5_1>(source), destination); break;
            case GgmlType.Q8_0: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ8_0>(source), destination); break;
            case GgmlType.Q8_1: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ8_1>(source), destination); break;
            case GgmlType.Q2_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ2_K>(source), destination); break;
            case GgmlType.Q3_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ3_K>(source), destination); break;
            case GgmlType.Q4_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ4_K>(source), destination); break;
            case GgmlType.Q5_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ5_K>(source), destination); break;
            case GgmlType.Q6_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ6_K>(source), destination); break;
            case GgmlType.Q8_K: QuantRows.Dequantize(QuantRows.AsBlocks<BlockQ8_K>(source), destination); break;
        }
    }

    /// <summary>Converts one F32 row to <paramref name="type"/>; the row length is <paramref name="source"/>'s length.</summary>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        CheckRow(type, source.Length, destination.Length, nameof(destination), "quantize");
        switch (type)
        {
            case GgmlType.F32: source.CopyTo(MemoryMarshal.Cast<byte, float>(destination)); break;
            case GgmlType.F16: Fp16.FromFloat(source, MemoryMarshal.Cast<byte, Half>(destination)); break;
            case GgmlType.BF16: Bf16.FromFloat(source, MemoryMarshal.Cast<byte, ushort>(destination)); break;
            case GgmlType.Q4_0: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ4_0>(destination)); break;
            case GgmlType.Q4_1: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ4_1>(destination)); break;
            case GgmlType.Q5_0: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ5_0>(destination)); break;
            case GgmlType.Q5_1: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ5_1>(destination)); break;
            case GgmlType.Q8_0: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ8_0>(destination)); break;
            case GgmlType.Q8_1: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ8_1>(destination)); break;
            case GgmlType.Q2_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ2_K>(destination)); break;
            case GgmlType.Q3_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ3_K>(destination)); break;
            case GgmlType.Q4_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ4_K>(destination)); break;
            case GgmlType.Q5_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ5_K>(destination)); break;
            case GgmlType.Q6_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ6_K>(destination)); break;
            case GgmlType.Q8_K: QuantRows.Quantize(source, QuantRows.AsBlocks<BlockQ8_K>(destination)); break;
        }
    }

    /// <summary>
    /// The format ggml quantizes activations to before a dot product with weights of <paramref name="weightType"/>
    /// (its vec_dot_type): F32, F16 and BF16 pair with themselves, Q4_0/Q5_0/Q8_0 with Q8_0, Q4_1/Q5_1 with Q8_1,
    /// the K-quants with Q8_K.
    /// </summary>
    public static GgmlType ActivationType(GgmlType weightType) => weightType switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => weightType,
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => GgmlType.Q8_0,
        GgmlType.Q4_1 or GgmlType.Q5_1 => GgmlType.Q8_1,
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => GgmlType.Q8_K,
        _ => throw new UnsupportedTensorTypeException(weightType, "Cinder has no dot product with this type as the weight"),
    };

    /// <summary>
    /// Scalar reference dot product of a weight row with an activation row already in
    /// <see cref="ActivationType"/>(<paramref name="weightType"/>), both of <paramref name="elements"/> elements.
    /// </summary>
    public static float DotRowReference(GgmlType weightType, ReadOnlySpan<byte> weights, ReadOnlySpan<byte> activations, int elements)
    {
        var activationType = ActivationType(weightType);
        CheckRow(weightType, elements, weights.Length, nameof(weights), "dot");
        CheckRow(activationType, elements, activations.Length, nameof(activations), "dot");
        return weightType switch
        {
            GgmlType.F32 => FloatDot.F32Reference(MemoryMarshal.Cast<byte, float>(weights), MemoryMarshal.Cast<byte, float>(activations)),
            GgmlType.F16 => FloatDot.F16Reference(MemoryMarshal.Cast<byte, Half>(weights), MemoryMarshal.Cast<byte, Half>(activations)),
            GgmlType.BF16 => FloatDot.Bf16Reference(MemoryMarshal.Cast<byte, ushort>(weights), MemoryMarshal.Cast<byte, ushort>(activations)),
            GgmlType.Q4_0 => Dot<BlockQ4_0, BlockQ8_0>(weights, activations),
            GgmlType.Q4_1 => Dot<BlockQ4_1, BlockQ8_1>(weights, activations),
            GgmlType.Q5_0 => Dot<BlockQ5_0, BlockQ8_0>(weights, activations),
            GgmlType.Q5_1 => Dot<BlockQ5_1, BlockQ8_1>(weights, activations),
            GgmlType.Q8_0 => Dot<BlockQ8_0, BlockQ8_0>(weights, activations),
            GgmlType.Q2_K => Dot<BlockQ2_K, BlockQ8_K>(weights, activations),
            GgmlType.Q3_K => Dot<BlockQ3_K, BlockQ8_K>(weights, activations),
            GgmlType.Q4_K => Dot<BlockQ4_K, BlockQ8_K>(weights, activations),
            GgmlType.Q5_K => Dot<BlockQ5_K, BlockQ8_K>(weights, activations),
            GgmlType.Q6_K => Dot<BlockQ6_K, BlockQ8_K>(weights, activations),
            _ => throw new UnsupportedTensorTypeException(weightType, "Cinder has no dot product with this type as the weight"),
        };
    }

    private static float Dot<TWeight, TActivation>(ReadOnlySpan<byte> weights, ReadOnlySpan<byte> activations)
        where TWeight : unmanaged, IWeightBlock<TWeight, TActivation>
        where TActivation : unmanaged, IQuantBlock<TActivation>
        => TWeight.DotReference(QuantRows.AsBlocks<TWeight>(weights), QuantRows.AsBlocks<TActivation>(activations));

    private static void CheckRow(GgmlType type, int elements, int bytes, string bytesParameter, string operation)
    {
        if (!IsSupported(type))
        {
            string known = GgmlTypeInfo.TryGet(type, out _) ? "" : " (not a ggml type number)";
            ThrowHelper.Unsupported(type, $"Cinder cannot {operation} it{known}; supported: {string.Join(", ", SupportedTypes)}");
        }
        var info = GgmlTypeInfo.Get(type);
        if (elements % info.BlockSize != 0) ThrowHelper.NotBlockMultiple(nameof(elements), type, elements, info.BlockSize);
        long expected = (long)elements / info.BlockSize * info.TypeSize;
        if (bytes != expected) ThrowHelper.WrongByteCount(bytesParameter, type, elements, expected, bytes);
    }
}
