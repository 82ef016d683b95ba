namespace Cinder.Kernels.Ops;

/// <summary>
/// Rotary position embedding in ggml's "normal" mode (LLaMA): adjacent pairs (x[2i], x[2i+1]) of the first
/// <c>rotaryDims</c> values of each head are rotated by pos · base^(-2i/rotaryDims).
/// </summary>
public sealed class Rope
{
    private readonly float _thetaScale;

    public Rope(int rotaryDims, float freqBase)
    {
        if (rotaryDims <= 0 || rotaryDims % 2 != 0) throw new ArgumentOutOfRangeException(nameof(rotaryDims), "rotary dimensions must be a positive even number");
        RotaryDims = rotaryDims;
        FreqBase = freqBase;
        _thetaScale = MathF.Pow(freqBase, -2.0f / rotaryDims);
    }

    public int RotaryDims { get; }
    public float FreqBase { get; }

    /// <summary>Rotates every head of <paramref name="x"/> (heads × headDim values) for one position.</summary>
    public void Apply(Span<float> x, int headDim, int position) => Reference(x, headDim, position);

    /// <summary>The scalar reference.</summary>
    public void Reference(Span<float> x, int headDim, int position)
    {
        if (x.Length % headDim != 0 || RotaryDims > headDim) throw new ArgumentException("x must hold whole heads of at least the rotary width");
        for (int h = 0; h < x.Length; h += headDim)
        {
            var head = x.Slice(h, headDim);
            // ggml starts from theta = pos and multiplies by theta_scale = base^(-2/n_dims) per pair; the same
            // order of rounding keeps us bit-close to llama.cpp.
            float theta = position;
            for (int i = 0; i < RotaryDims / 2; i++, theta *= _thetaScale)
            {
                float cos = MathF.Cos(theta), sin = MathF.Sin(theta);
                float x0 = head[2 * i], x1 = head[2 * i + 1];
                head[2 * i] = x0 * cos - x1 * sin;
                head[2 * i + 1] = x0 * sin + x1 * cos;
            }
        }
    }
}
