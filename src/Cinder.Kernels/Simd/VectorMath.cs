using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cinder.Kernels.Simd;

/// <summary>
/// Vector exp and SiLU as ggml computes them on x86 (ggml_v_expf / ggml_v_silu: ARM's optimized-routines
/// polynomial, max error about 1.5 ulp). Using the same approximation as llama.cpp keeps F32 models
/// bit-close to it; the scalar tail uses the C library's expf, as ggml does.
/// </summary>
public static class VectorMath
{
    /// <summary>e^x for 16 floats, as ggml_v_expf on AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var r = Vector512.Create(12582912.0f /* 0x1.8p23 */);
        var z = Vector512.FusedMultiplyAdd(x, Vector512.Create(1.442695f /* 0x1.715476p+0 */), r);
        var n = z - r;
        var b = Vector512.FusedMultiplyAdd(-n, Vector512.Create(1.4286068e-06f /* 0x1.7f7d1cp-20 */), Vector512.FusedMultiplyAdd(-n, Vector512.Create(0.69314575f /* 0x1.62e4p-1 */), x));
        var u = b * b;
        var j = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(0.00824739f /* 0x1.0e4020p-7 */), b, Vector512.Create(0.041899767f /* 0x1.573e2ep-5 */)), u,
                                       Vector512.FusedMultiplyAdd(Vector512.Create(0.16668396f /* 0x1.555e66p-3 */), b, Vector512.Create(0.49999127f /* 0x1.fffdb6p-2 */))),
            u,
            Vector512.FusedMultiplyAdd(Vector512.Create(0.9999994f /* 0x1.ffffecp-1 */), b, Vector512<float>.One));
        var res = Avx512F.Scale(j, n);
        var d = Vector512.GreaterThan(Vector512.Abs(n), Vector512.Create(192f));
        if (d == Vector512<float>.Zero) return res;
        // Far out of range: 0 below (n ≤ -193), infinity above. (ggml's _mm512_mask_blend_ps(mask, a, b) takes b where
        // the mask is set, the opposite operand order of ConditionalSelect.)
        var alt = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(n, Vector512<float>.Zero), Vector512<float>.Zero, Vector512.Create(float.PositiveInfinity));
        return Vector512.ConditionalSelect(d, alt, res);
    }

    /// <summary>x / (1 + e^-x) for 16 floats, as ggml_v_silu on AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Silu(Vector512<float> x) => x / (Vector512<float>.One + Exp(Vector512<float>.Zero - x));

    /// <summary>e^x for 8 floats, as ggml_v_expf on AVX2 with FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var r = Vector256.Create(12582912.0f /* 0x1.8p23 */);
        var z = Vector256.FusedMultiplyAdd(x, Vector256.Create(1.442695f /* 0x1.715476p+0 */), r);
        var n = z - r;
        var b = Vector256.FusedMultiplyAdd(-n, Vector256.Create(1.4286068e-06f /* 0x1.7f7d1cp-20 */), Vector256.FusedMultiplyAdd(-n, Vector256.Create(0.69314575f /* 0x1.62e4p-1 */), x));
        var e = Vector256.ShiftLeft(z.AsInt32(), 23);
        var k = (e + Vector256.Create(1f).AsInt32()).AsSingle();
        var c = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(126f));
        var u = b * b;
        var j = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(0.00824739f /* 0x1.0e4020p-7 */), b, Vector256.Create(0.041899767f /* 0x1.573e2ep-5 */)), u,
                                       Vector256.FusedMultiplyAdd(Vector256.Create(0.16668396f /* 0x1.555e66p-3 */), b, Vector256.Create(0.49999127f /* 0x1.fffdb6p-2 */))),
            u,
            Vector256.Create(0.9999994f /* 0x1.ffffecp-1 */) * b);
        if (c == Vector256<float>.Zero) return Vector256.FusedMultiplyAdd(j, k, k);
        var g = Vector256.LessThanOrEqual(n, Vector256<float>.Zero).AsInt32() & Vector256.Create(unchecked((int)0x82000000u));
        var s1 = (g + Vector256.Create(0x7f000000)).AsSingle();
        var s2 = (e - g).AsSingle();
        var d = Vector256.GreaterThan(Vector256.Abs(n), Vector256.Create(192f));
        return Vector256.ConditionalSelect(d, s1 * s1,
            Vector256.ConditionalSelect(c, Vector256.FusedMultiplyAdd(s2, j, s2) * s1, Vector256.FusedMultiplyAdd(k, j, k)));
    }

    /// <summary>x / (1 + e^-x) for 8 floats, as ggml_v_silu on AVX2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Silu(Vector256<float> x) => x / (Vector256<float>.One + Exp(Vector256<float>.Zero - x));

    /// <summary>The scalar SiLU of ggml (and of the tails of the vector loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Silu(float x) => x / (1f + MathF.Exp(-x));
}
