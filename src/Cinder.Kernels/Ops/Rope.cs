using System.Runtime.Intrinsics;

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
    public void Apply(Span<float> x, int headDim, int position) =>
        Apply(x, headDim, position, Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1);

    /// <summary>
    /// <see cref="Apply(Span{float}, int, int)"/> with vectors of <paramref name="width"/> floats (8, 4, or 1 for scalar),
    /// bit for bit the reference: the angles' sines and cosines are computed once for all heads (the reference
    /// computes them per head, and they cost more than the rotation), in the same order of rounding; the rotation
    /// multiplies and adds without fusing, as the reference does.
    /// </summary>
    internal void Apply(Span<float> x, int headDim, int position, int width)
    {
        if (x.Length % headDim != 0 || RotaryDims > headDim) throw new ArgumentException("x must hold whole heads of at least the rotary width");
        int n = RotaryDims;
        // Per pair i: cos_i at 2i and 2i+1; -sin_i at 2i, +sin_i at 2i+1, so that out = x·cos + swap(x)·sin.
        Span<float> cos = n <= 256 ? stackalloc float[n] : new float[n];
        Span<float> sin = n <= 256 ? stackalloc float[n] : new float[n];
        float theta = position;
        for (int i = 0; i < n / 2; i++, theta *= _thetaScale)
        {
            float c = MathF.Cos(theta), s = MathF.Sin(theta);
            cos[2 * i] = cos[2 * i + 1] = c;
            sin[2 * i] = -s;
            sin[2 * i + 1] = s;
        }
        for (int h = 0; h < x.Length; h += headDim)
        {
            var head = x.Slice(h, n);
            int j = 0;
            if (width == 8 && Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= n; j += 8)
                {
                    var v = Vector256.Create(head.Slice(j, 8));
                    var swapped = Vector256.Shuffle(v, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
                    (v * Vector256.Create(cos.Slice(j, 8)) + swapped * Vector256.Create(sin.Slice(j, 8))).CopyTo(head.Slice(j, 8));
                }
            }
            else if (width == 4 && Vector128.IsHardwareAccelerated)
            {
                for (; j + 4 <= n; j += 4)
                {
                    var v = Vector128.Create(head.Slice(j, 4));
                    var swapped = Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
                    (v * Vector128.Create(cos.Slice(j, 4)) + swapped * Vector128.Create(sin.Slice(j, 4))).CopyTo(head.Slice(j, 4));
                }
            }
            for (; j < n; j += 2)
            {
                float x0 = head[j], x1 = head[j + 1];
                head[j] = x0 * cos[j] + x1 * sin[j];
                head[j + 1] = x1 * cos[j + 1] + x0 * sin[j + 1];
            }
        }
    }

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
