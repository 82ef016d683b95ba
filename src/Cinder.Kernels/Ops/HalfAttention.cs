using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cinder.Kernels.Gemm;

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

    /// <summary>y = f16(y + x·v) elementwise (ggml_vec_mad_f16: fused in the vector part).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(Half* y, Half* x, float v, int n)
    {
        int np = Vector512.IsHardwareAccelerated ? n & ~(Step - 1) : 0;
        var vv = Vector512.Create(v);
        for (int i = 0; i < np; i += 16)
        {
            var r = Vector512.FusedMultiplyAdd(HalfVector.Load16(x + i), vv, HalfVector.Load16(y + i));
            HalfVector.ToHalf(r).Store((ushort*)y + i);
        }
        for (int i = np; i < n; i++) y[i] = (Half)((float)y[i] + (float)x[i] * v);
    }

    /// <summary>y = f16(y·v) elementwise (ggml_vec_scale_f16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(Half* y, float v, int n)
    {
        int np = Vector512.IsHardwareAccelerated ? n & ~(Step - 1) : 0;
        var vv = Vector512.Create(v);
        for (int i = 0; i < np; i += 16) HalfVector.ToHalf(HalfVector.Load16(y + i) * vv).Store((ushort*)y + i);
        for (int i = np; i < n; i++) y[i] = (Half)((float)y[i] * v);
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

    /// <summary>The scalar reference of <see cref="Dot"/>: the same sum in double.</summary>
    public static float DotReference(float* q, Half* k, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += q[i] * (double)(float)k[i];
        return (float)sum;
    }
}
