using System.Runtime.Intrinsics;

namespace Cinder.Kernels.Gemm;

/// <summary>Vector widths of the floating-point matrix kernels (F32, F16 and BF16 weights).</summary>
public enum FloatIsa
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

public static class FloatIsas
{
    public static IReadOnlyList<FloatIsa> Supported { get; } = Enum.GetValues<FloatIsa>().Where(IsSupported).ToArray();

    // Declared after Supported: static initializers run in order and Choose reads Supported.
    /// <summary>The widest accelerated width (CINDER_FLOAT_ISA can name a narrower one).</summary>
    public static FloatIsa Best { get; } = Choose();

    public static bool IsSupported(FloatIsa isa) => isa switch
    {
        FloatIsa.Scalar => true,
        FloatIsa.Vector128 => Vector128.IsHardwareAccelerated,
        FloatIsa.Vector256 => Vector256.IsHardwareAccelerated,
        FloatIsa.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    private static FloatIsa Choose()
    {
        var forced = Environment.GetEnvironmentVariable("CINDER_FLOAT_ISA");
        if (!string.IsNullOrEmpty(forced))
        {
            if (Enum.TryParse<FloatIsa>(forced, ignoreCase: true, out var isa) && IsSupported(isa)) return isa;
            throw new InvalidOperationException($"CINDER_FLOAT_ISA={forced} is not a width this CPU supports ({string.Join(", ", Supported)})");
        }
        return Supported[^1];
    }
}
