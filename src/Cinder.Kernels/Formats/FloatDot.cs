namespace Cinder.Kernels.Formats;

/// <summary>Scalar reference dot products of the unquantized formats, as ggml's non-SIMD ggml_vec_dot_f32/f16/bf16.</summary>
public static class FloatDot
{
    /// <summary>ggml_vec_dot_f32 (scalar path).</summary>
    /// <remarks>sum over i of (double)(x[i] * y[i]): each product rounded to float, accumulated in double, the total rounded to float.</remarks>
    public static float F32Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (y.Length != x.Length) ThrowHelper.LengthMismatch(nameof(y), x.Length, y.Length);
        double sum = 0.0;
        for (int i = 0; i < x.Length; ++i) sum += (double)(x[i] * y[i]);
        return (float)sum;
    }

    /// <summary>ggml_vec_dot_f16 (scalar path).</summary>
    /// <remarks>sum over i of (double)((float)x[i] * (float)y[i]), the total rounded to float.</remarks>
    public static float F16Reference(ReadOnlySpan<Half> x, ReadOnlySpan<Half> y)
    {
        if (y.Length != x.Length) ThrowHelper.LengthMismatch(nameof(y), x.Length, y.Length);
        double sum = 0.0;
        for (int i = 0; i < x.Length; ++i) sum += (double)((float)x[i] * (float)y[i]);
        return (float)sum;
    }

    /// <summary>ggml_vec_dot_bf16 (scalar path), on raw BF16 bits.</summary>
    /// <remarks>sum over i of (double)(bf16(x[i]) * bf16(y[i])), the total rounded to float.</remarks>
    public static float Bf16Reference(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        if (y.Length != x.Length) ThrowHelper.LengthMismatch(nameof(y), x.Length, y.Length);
        double sum = 0.0;
        for (int i = 0; i < x.Length; ++i) sum += (double)(Bf16.ToFloat(x[i]) * Bf16.ToFloat(y[i]));
        return (float)sum;
    }
}
