using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Ops;

/// <summary>
/// The F16 vector primitives of llama.cpp's CPU flash attention, with its arithmetic: a query (already
/// rounded to F16) dotted with F16 keys (ggml_vec_dot_f16: four 16-lane FMA accumulators over steps of 64,
/// tree-reduced, the tail summed in double), and an F16 accumulator of values that is rescaled and
/// multiply-added in F32 and rounded back to F16 after every step (ggml_vec_scale_f16, ggml_vec_mad_f16).
/// Matching it is what keeps our logits within 1e-5 of llama.cpp's instead of 1e-2.
/// </summary>
public static unsafe class HalfAttention
{
    private const int Step = 64; // GGML_F16_STEP with AVX-512

    /// <summary>Σ q[i]·k[i] as ggml_vec_dot_f16 sums it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* q, Half* k, int n)
    {
        int np = Vector512.IsHardwareAccelerated ? n & ~(Step - 1) : 0;
        double sum = 0;
        if (np > 0)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int i = 0; i < np; i += Step)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(q + i), HalfVector.Load16(k + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(q + i + 16), HalfVector.Load16(k + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(q + i + 32), HalfVector.Load16(k + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(q + i + 48), HalfVector.Load16(k + i + 48), s3);
            }
            sum = Simd.F32Dot.Reduce((s0 + s2) + (s1 + s3));
        }
        for (int i = np; i < n; i++) sum += q[i] * (float)k[i];
        return (float)sum;
    }

    /// <summary>
    /// y = f16(y + x·v) elementwise (ggml_vec_mad_f16: fused in the vector part), with the F16 accumulator y held
    /// as floats that are always F16 values: the same numbers, without converting y in and out on every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(float* y, Half* x, float v, int n)
    {
        int np = Vector512.IsHardwareAccelerated ? n & ~(Step - 1) : 0;
        var vv = Vector512.Create(v);
        for (int i = 0; i < np; i += 16)
            HalfVector.RoundToHalfPrecision(Vector512.FusedMultiplyAdd(HalfVector.Load16(x + i), vv, Vector512.Load(y + i))).Store(y + i);
        for (int i = np; i < n; i++) y[i] = (float)(Half)(y[i] + (float)x[i] * v);
    }

    /// <summary>y = f16(y·v) elementwise (ggml_vec_scale_f16), y held as F16 values in floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(float* y, float v, int n)
    {
        int np = Vector512.IsHardwareAccelerated ? n & ~(Step - 1) : 0;
        var vv = Vector512.Create(v);
        for (int i = 0; i < np; i += 16) HalfVector.RoundToHalfPrecision(Vector512.Load(y + i) * vv).Store(y + i);
        for (int i = np; i < n; i++) y[i] = (float)(Half)(y[i] * v);
    }

    /// <summary>n halves to floats, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(Half* source, float* destination, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16) HalfVector.Load16(source + i).Store(destination + i);
        }
        for (; i < n; i++) destination[i] = (float)source[i];
    }

    /// <summary>Σ q[i]·k[i] in F32 (the F32-accumulating attention of long batches): 16-lane FMA, then the reduce order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotF32(float* q, float* k, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(q + i), Vector512.Load(k + i), acc);
            sum = Simd.F32Dot.Reduce(acc);
        }
        for (; i < n; i++) sum += q[i] * k[i];
        return sum;
    }

    /// <summary>acc = acc·ms + v·vs in F32 (online softmax update of the F32-accumulating attention).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateF32(float* acc, float* v, float ms, float vs, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var m = Vector512.Create(ms);
            var w = Vector512.Create(vs);
            for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(v + i), w, Vector512.Load(acc + i) * m).Store(acc + i);
        }
        for (; i < n; i++) acc[i] = acc[i] * ms + v[i] * vs;
    }

    /// <summary>The widest vector the tiled attention helpers can use here: 16, 8, 4 or 1 floats.</summary>
    public static int BestWidth { get; } =
        Vector512.IsHardwareAccelerated ? 16 : Avx2.IsSupported && Fma.IsSupported ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    /// <summary>
    /// s[i] = e^(s[i] − max) for i &lt; n, returning Σ s[i] in double: the softmax step of the tiled attention
    /// (ggml_vec_soft_max_f32: the vector exp over whole vectors, each vector reduced and added in double,
    /// the C library's expf for the tail). <paramref name="width"/> 16 or 8 uses ggml's vector exp of that width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SoftmaxExp(float* s, int n, float max, int width)
    {
        int i = 0;
        double sum = 0;
        if (width == 16)
        {
            var m = Vector512.Create(max);
            for (; i + 16 <= n; i += 16)
            {
                var e = VectorMath.Exp(Vector512.Load(s + i) - m);
                e.Store(s + i);
                sum += F32Dot.Reduce(e);
            }
        }
        else if (width == 8)
        {
            var m = Vector256.Create(max);
            for (; i + 8 <= n; i += 8)
            {
                var e = VectorMath.Exp(Vector256.Load(s + i) - m);
                e.Store(s + i);
                sum += F32Dot.Reduce(e);
            }
        }
        for (; i < n; i++)
        {
            s[i] = MathF.Exp(s[i] - max);
            sum += s[i];
        }
        return sum;
    }

    /// <summary>
    /// scores[i] = scale · Σ_d q[d]·k[d·stride + i] for the keys of one tile stored transposed (dimension-major,
    /// <paramref name="stride"/> floats per dimension): each score a chain of fused multiply-adds in dimension
    /// order, as the tiled kernel's small GEMM sums it, computed for 16 (8, 4) keys at once with no horizontal
    /// reduction. Scores are written for <paramref name="keys"/> rounded up to the width (stride must cover that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoresTile(float* q, float* k, int stride, int keys, int n, float scale, float* scores, int width)
    {
        int i = 0;
        if (width == 16)
        {
            for (; i + 64 <= keys; i += 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int d = 0; d < n; d++)
                {
                    var qd = Vector512.Create(q[d]);
                    float* row = k + (long)d * stride + i;
                    a0 = Vector512.FusedMultiplyAdd(qd, Vector512.Load(row), a0);
                    a1 = Vector512.FusedMultiplyAdd(qd, Vector512.Load(row + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(qd, Vector512.Load(row + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(qd, Vector512.Load(row + 48), a3);
                }
                var sv = Vector512.Create(scale);
                (a0 * sv).Store(scores + i);
                (a1 * sv).Store(scores + i + 16);
                (a2 * sv).Store(scores + i + 32);
                (a3 * sv).Store(scores + i + 48);
            }
            for (; i < keys; i += 16)
            {
                Vector512<float> a = default;
                for (int d = 0; d < n; d++) a = Vector512.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(k + (long)d * stride + i), a);
                (a * Vector512.Create(scale)).Store(scores + i);
            }
        }
        else if (width == 8)
        {
            for (; i < keys; i += 8)
            {
                Vector256<float> a = default;
                for (int d = 0; d < n; d++) a = Vector256.FusedMultiplyAdd(Vector256.Create(q[d]), Vector256.Load(k + (long)d * stride + i), a);
                (a * Vector256.Create(scale)).Store(scores + i);
            }
        }
        else if (width == 4)
        {
            for (; i < keys; i += 4)
            {
                Vector128<float> a = default;
                for (int d = 0; d < n; d++) a = Vector128.FusedMultiplyAdd(Vector128.Create(q[d]), Vector128.Load(k + (long)d * stride + i), a);
                (a * Vector128.Create(scale)).Store(scores + i);
            }
        }
        else
        {
            for (; i < keys; i++)
            {
                float a = 0;
                for (int d = 0; d < n; d++) a = MathF.FusedMultiplyAdd(q[d], k[(long)d * stride + i], a);
                scores[i] = a * scale;
            }
        }
    }

    /// <summary>
    /// acc = acc·ms + Σ_i p[i]·v[i·n..] over <paramref name="count"/> value rows of <paramref name="n"/> floats:
    /// one tile of the weighted sum of values, each output a chain of fused multiply-adds in key order, so every
    /// width gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateTile(float* acc, float ms, float* p, float* v, int count, int n, int width)
    {
        int d = 0;
        if (width == 16)
        {
            var m = Vector512.Create(ms);
            for (; d + 64 <= n; d += 64)
            {
                // Four independent chains at once: one chain alone would wait on each multiply-add's latency.
                var a0 = Vector512.Load(acc + d) * m;
                var a1 = Vector512.Load(acc + d + 16) * m;
                var a2 = Vector512.Load(acc + d + 32) * m;
                var a3 = Vector512.Load(acc + d + 48) * m;
                for (int i = 0; i < count; i++)
                {
                    var pi = Vector512.Create(p[i]);
                    float* row = v + (long)i * n + d;
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), pi, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 16), pi, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 32), pi, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 48), pi, a3);
                }
                a0.Store(acc + d);
                a1.Store(acc + d + 16);
                a2.Store(acc + d + 32);
                a3.Store(acc + d + 48);
            }
            for (; d + 16 <= n; d += 16)
            {
                var a = Vector512.Load(acc + d) * m;
                for (int i = 0; i < count; i++) a = Vector512.FusedMultiplyAdd(Vector512.Load(v + (long)i * n + d), Vector512.Create(p[i]), a);
                a.Store(acc + d);
            }
        }
        if (width >= 8)
        {
            for (; d + 8 <= n; d += 8)
            {
                var a = Vector256.Load(acc + d) * Vector256.Create(ms);
                for (int i = 0; i < count; i++) a = Vector256.FusedMultiplyAdd(Vector256.Load(v + (long)i * n + d), Vector256.Create(p[i]), a);
                a.Store(acc + d);
            }
        }
        if (width >= 4)
        {
            for (; d + 4 <= n; d += 4)
            {
                var a = Vector128.Load(acc + d) * Vector128.Create(ms);
                for (int i = 0; i < count; i++) a = Vector128.FusedMultiplyAdd(Vector128.Load(v + (long)i * n + d), Vector128.Create(p[i]), a);
                a.Store(acc + d);
            }
        }
        for (; d < n; d++)
        {
            float a = acc[d] * ms;
            for (int i = 0; i < count; i++) a = MathF.FusedMultiplyAdd(v[(long)i * n + d], p[i], a);
            acc[d] = a;
        }
    }

    /// <summary>The scalar reference of <see cref="Dot"/>: the same sum in double.</summary>
    public static float DotReference(float* q, Half* k, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += q[i] * (double)(float)k[i];
        return (float)sum;
    }
}
