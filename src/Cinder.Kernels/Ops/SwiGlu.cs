using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cinder.Kernels.Ops;

/// <summary>The SwiGLU gate of LLaMA's feed-forward block.</summary>
/// <remarks>y[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + exp(-g)).</remarks>
public static class SwiGlu
{
    /// <summary>
    /// Vectorised like ggml_vec_swiglu_f32: SiLU through the vector exp approximation for whole vectors,
    /// the C library's expf for the tail.
    /// </summary>
    public static void Apply(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        if (up.Length != gate.Length || y.Length != gate.Length) throw new ArgumentException("gate, up and y must have the same length");
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= gate.Length; i += 16)
                (Simd.VectorMath.Silu(Vector512.Create(gate.Slice(i, 16))) * Vector512.Create(up.Slice(i, 16))).CopyTo(y.Slice(i, 16));
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            for (; i + 8 <= gate.Length; i += 8)
                (Simd.VectorMath.Silu(Vector256.Create(gate.Slice(i, 8))) * Vector256.Create(up.Slice(i, 8))).CopyTo(y.Slice(i, 8));
        }
        for (; i < gate.Length; i++) y[i] = Simd.VectorMath.Silu(gate[i]) * up[i];
    }

    public static void Reference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        if (up.Length != gate.Length || y.Length != gate.Length) throw new ArgumentException("gate, up and y must have the same length");
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            y[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }
}
