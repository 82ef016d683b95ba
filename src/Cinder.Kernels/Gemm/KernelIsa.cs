using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cinder.Kernels.Gemm;

/// <summary>The instruction-set paths the matrix kernels have. Every one is tested against the scalar reference.</summary>
public enum KernelIsa
{
    /// <summary>Plain C#, one element at a time: the reference the others are checked against.</summary>
    Scalar,
    /// <summary>Portable 128-bit vectors (x86 SSE, Arm AdvSimd through Vector128).</summary>
    Vector128,
    /// <summary>AVX2 with FMA; int8 products through vpmaddubsw/vpmaddwd.</summary>
    Avx2,
    /// <summary>AVX2 with AVX-VNNI's vpdpbusd (256-bit): one instruction per 32 int8 products (Zen 4, Alder Lake and later).</summary>
    AvxVnni,
}

/// <summary>Which path this machine runs, and which paths it could run (for tests and benchmarks).</summary>
public static class KernelIsas
{
    /// <summary>The widest path this CPU supports, unless CINDER_ISA names a narrower one.</summary>
    public static KernelIsa Best { get; } = Choose();

    /// <summary>Every path this CPU can execute, narrowest first.</summary>
    public static IReadOnlyList<KernelIsa> Supported { get; } = Enum.GetValues<KernelIsa>().Where(IsSupported).ToArray();

    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Scalar => true,
        KernelIsa.Vector128 => Vector128.IsHardwareAccelerated,
        KernelIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelIsa.AvxVnni => Avx2.IsSupported && Fma.IsSupported && AvxVnni.IsSupported,
        _ => false,
    };

    private static KernelIsa Choose()
    {
        var forced = Environment.GetEnvironmentVariable("CINDER_ISA");
        if (!string.IsNullOrEmpty(forced))
        {
            if (Enum.TryParse<KernelIsa>(forced, ignoreCase: true, out var isa) && IsSupported(isa)) return isa;
            throw new InvalidOperationException($"CINDER_ISA={forced} is not a kernel path this CPU supports ({string.Join(", ", Enum.GetValues<KernelIsa>().Where(IsSupported))})");
        }
        for (var isa = KernelIsa.AvxVnni; isa > KernelIsa.Scalar; isa--)
        {
            if (IsSupported(isa)) return isa;
        }
        return KernelIsa.Scalar;
    }
}
