using System.Diagnostics.CodeAnalysis;
using Cinder.Core;

namespace Cinder.Kernels.Formats;

/// <summary>Throw helpers kept out of line so the callers stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void LengthMismatch(string parameter, int expected, int actual) =>
        throw new ArgumentException($"expected {expected} elements, got {actual}", parameter);

    [DoesNotReturn]
    public static void NotBlockMultiple(string parameter, GgmlType type, int elements, int blockLength) =>
        throw new ArgumentException($"{elements} elements is not a multiple of the {type} block length {blockLength}", parameter);

    [DoesNotReturn]
    public static void WrongByteCount(string parameter, GgmlType type, int elements, long expectedBytes, int actualBytes) =>
        throw new ArgumentException($"{elements} {type} elements take {expectedBytes} bytes, got {actualBytes}", parameter);

    [DoesNotReturn]
    public static void BlockCountMismatch(string parameter, int expected, int actual) =>
        throw new ArgumentException($"expected {expected} blocks, got {actual}", parameter);

    [DoesNotReturn]
    public static void Unsupported(GgmlType type, string why) => throw new UnsupportedTensorTypeException(type, why);
}
