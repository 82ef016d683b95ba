namespace Cinder.Kernels.Ops;

/// <summary>RMS normalisation with a learned scale.</summary>
/// <remarks>y[i] = (x[i] · 1/sqrt(mean(x²) + eps)) · w[i], squares summed in double as ggml does.</remarks>
public static class RmsNorm
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y) => Reference(x, weight, eps, y);

    /// <summary>The scalar reference, in ggml's order of operations (rms_norm, then mul by the weight).</summary>
    public static void Reference(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        if (weight.Length != x.Length || y.Length != x.Length) throw new ArgumentException("x, weight and y must have the same length");
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * x[i];
        float mean = (float)(sum / x.Length);
        float scale = 1f / MathF.Sqrt(mean + eps);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * scale * weight[i];
    }
}
