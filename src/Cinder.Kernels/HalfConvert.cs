namespace Cinder.Kernels;

/// <summary>F32 to F16 conversion with round-to-nearest-even (System.Half's rounding, which is ggml's too).</summary>
public static class HalfConvert
{
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        for (int i = 0; i < source.Length; i++) destination[i] = (Half)source[i];
    }
}
