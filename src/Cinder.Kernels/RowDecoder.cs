using System.Runtime.InteropServices;
using Cinder.Core;

namespace Cinder.Kernels;

/// <summary>Decodes one stored row of any supported type to F32.</summary>
public static class RowDecoder
{
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                MemoryMarshal.Cast<byte, float>(source)[..destination.Length].CopyTo(destination);
                break;
            case GgmlType.F16:
                {
                    var h = MemoryMarshal.Cast<byte, Half>(source);
                    for (int i = 0; i < destination.Length; i++) destination[i] = (float)h[i];
                    break;
                }
            case GgmlType.BF16:
                {
                    var b = MemoryMarshal.Cast<byte, ushort>(source);
                    for (int i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                    break;
                }
            default:
                throw new UnsupportedTensorTypeException(type, "no decoder for this type yet");
        }
    }
}
