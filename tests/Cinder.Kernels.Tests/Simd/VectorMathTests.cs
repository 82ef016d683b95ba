using System.Runtime.Intrinsics;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Tests.Simd;

/// <summary>
/// ggml's vector exp and SiLU at both widths against the C library over their whole range, underflow and overflow
/// included: a softmax over scores more than ~133 apart sends the vector exp far below its range, where the answer
/// must be 0 (an inverted select once made it infinity, and whole attention rows NaN).
/// </summary>
public class VectorMathTests
{
    private static IEnumerable<float> Arguments()
    {
        for (float x = -250f; x <= 100f; x += 0.37f) yield return x;
        foreach (float x in new[] { -1000f, -200f, -192f * 0.6931472f, -133.5f, -104f, -103.9f, -88.7f, -87.3f, -1e-3f, 0f, 1e-3f, 88.7f, 88.73f, 89f, 133.5f, 200f, 1000f })
            yield return x;
    }

    private static void AssertExp(float x, float actual)
    {
        double expected = Math.Exp(x);
        if (expected > float.MaxValue)
            Assert.True(float.IsPositiveInfinity(actual), $"exp({x}) = {actual}, expected infinity");
        else if (expected < 1.2e-38) // below the normal floats: ggml flushes part of this range to 0
            Assert.True(actual >= 0 && actual <= 1.2e-38, $"exp({x}) = {actual}, expected {expected:G3} or 0");
        else
            Assert.True(Math.Abs(actual - expected) <= 4e-7 * expected, $"exp({x}) = {actual}, expected {expected:G9}");
    }

    [Fact]
    public void Exp512MatchesTheLibraryFromUnderflowToOverflow()
    {
        if (!Vector512.IsHardwareAccelerated) return; // the AVX-512 path cannot run on this machine
        foreach (float x in Arguments())
        {
            var v = VectorMath.Exp(Vector512.Create(x));
            for (int i = 0; i < 16; i++) AssertExp(x, v[i]);
        }
    }

    [Fact]
    public void Exp256MatchesTheLibraryFromUnderflowToOverflow()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) return;
        foreach (float x in Arguments())
        {
            var v = VectorMath.Exp(Vector256.Create(x));
            for (int i = 0; i < 8; i++) AssertExp(x, v[i]);
        }
    }

    [Fact]
    public void SiluMatchesXOverOnePlusExpMinusXAtEveryWidth()
    {
        foreach (float x in Arguments())
        {
            double expected = x / (1 + Math.Exp(-(double)x));
            float tolerance = (float)(1e-6 * Math.Max(1, Math.Abs(expected)));
            Assert.True(Math.Abs(VectorMath.Silu(x) - expected) <= tolerance, $"scalar silu({x})");
            if (Vector512.IsHardwareAccelerated) Assert.True(Math.Abs(VectorMath.Silu(Vector512.Create(x))[3] - expected) <= tolerance, $"512-bit silu({x}) = {VectorMath.Silu(Vector512.Create(x))[3]}, expected {expected}");
            if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) Assert.True(Math.Abs(VectorMath.Silu(Vector256.Create(x))[3] - expected) <= tolerance, $"256-bit silu({x}) = {VectorMath.Silu(Vector256.Create(x))[3]}, expected {expected}");
        }
    }
}
