namespace Cinder.Kernels.Ops;

/// <summary>Softmax in place, stabilised by the maximum.</summary>
/// <remarks>x[i] = exp(x[i] - max) / Σ exp(x[j] - max); the sum accumulated in double as ggml does.</remarks>
public static class Softmax
{
    public static void Apply(Span<float> x) => Reference(x);

    public static void Reference(Span<float> x)
    {
        if (x.IsEmpty) return;
        float max = float.NegativeInfinity;
        foreach (var v in x) max = MathF.Max(max, v);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float e = MathF.Exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < x.Length; i++) x[i] *= inv;
    }
}
