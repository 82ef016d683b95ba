using System.Runtime.CompilerServices;

namespace Cinder.Kernels.Formats;

/// <summary>
/// The helpers of ggml-quants.c that the reference quantizers share (nearest_int, make_qx_quants,
/// make_q3_quants, make_qkx2_quants, get_scale_min_k4). They are transcribed operation for operation:
/// the same float operations in the same order, so that the blocks come out as llama.cpp's do.
/// </summary>
/// <remarks>
/// C evaluates these float expressions in single precision (SSE, no FMA contraction in ggml-base), and so
/// does RyuJIT, which never fuses a multiply and an add on its own. Keep it that way: do not introduce
/// <see cref="MathF.FusedMultiplyAdd"/> or double intermediates here.
/// </remarks>
internal static class QuantMath
{
    /// <summary>Super-block length of the K-quants (QK_K).</summary>
    public const int QK_K = 256;

    /// <summary>ggml's GROUP_MAX_EPS: below this absolute maximum a group is treated as all zero.</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>
    /// ggml's nearest_int: adding 1.5 * 2^23 puts the integer part in the low mantissa bits, so this rounds to
    /// nearest with ties to even. Valid for |value| &lt;= 4194303.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float value)
    {
        float shifted = value + 12582912f;
        int bits = BitConverter.SingleToInt32Bits(shifted);
        return (bits & 0x007fffff) - 0x00400000;
    }

    /// <summary>C's roundf: halfway cases away from zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundAwayFromZero(float value) => MathF.Round(value, MidpointRounding.AwayFromZero);

    /// <summary>
    /// make_qx_quants without importance weights: symmetric quantization of <paramref name="x"/> to
    /// [-nmax, nmax-1] (stored in <paramref name="levels"/> offset by nmax) with a search over 18 nearby scales
    /// when <paramref name="rmseType"/> is not 0. Returns the scale.
    /// </summary>
    public static float MakeQxQuants(int n, int nmax, ReadOnlySpan<float> x, Span<sbyte> levels, int rmseType)
    {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0)
        {
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, l)));
            }
            return 1 / iscale;
        }
        bool returnEarly = false;
        if (rmseType < 0)
        {
            rmseType = -rmseType;
            returnEarly = true;
        }
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * x[i]);
            l = Math.Max(-nmax, Math.Min(nmax - 1, l));
            levels[i] = (sbyte)(l + nmax);
            float w = Weight(rmseType, x[i]);
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        float best = scale * sumlx;
        for (int step = -9; step <= 9; ++step)
        {
            if (step == 0) continue;
            iscale = -(nmax + 0.1f * step) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                l = Math.Max(-nmax, Math.Min(nmax - 1, l));
                float w = Weight(rmseType, x[i]);
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < n; ++i)
                {
                    int l = NearestInt(iscale * x[i]);
                    levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static float Weight(int rmseType, float x) => rmseType switch
    {
        1 => x * x,
        2 => 1,
        3 => MathF.Abs(x),
        _ => MathF.Sqrt(MathF.Abs(x)),
    };

    /// <summary>
    /// make_q3_quants: symmetric quantization to [-nmax, nmax-1] followed (with <paramref name="doRmse"/>) by up
    /// to five passes that move single levels while that lowers the x^2-weighted error. Levels are stored offset by nmax.
    /// </summary>
    public static float MakeQ3Quants(int n, int nmax, ReadOnlySpan<float> x, Span<sbyte> levels, bool doRmse)
    {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        if (doRmse)
        {
            float sumlx = 0;
            float suml2 = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                l = Math.Max(-nmax, Math.Min(nmax - 1, l));
                levels[i] = (sbyte)l;
                float w = x[i] * x[i];
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }
            for (int itry = 0; itry < 5; ++itry)
            {
                int changed = 0;
                for (int i = 0; i < n; ++i)
                {
                    float w = x[i] * x[i];
                    float slx = sumlx - w * x[i] * levels[i];
                    if (slx > 0)
                    {
                        float sl2 = suml2 - w * levels[i] * levels[i];
                        int newL = NearestInt(x[i] * sl2 / slx);
                        newL = Math.Max(-nmax, Math.Min(nmax - 1, newL));
                        if (newL != levels[i])
                        {
                            slx += w * x[i] * newL;
                            sl2 += w * newL * newL;
                            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2)
                            {
                                levels[i] = (sbyte)newL;
                                sumlx = slx;
                                suml2 = sl2;
                                ++changed;
                            }
                        }
                    }
                }
                if (changed == 0) break;
            }
            for (int i = 0; i < n; ++i) levels[i] += (sbyte)nmax;
            return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
        }
        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * x[i]);
            l = Math.Max(-nmax, Math.Min(nmax - 1, l));
            levels[i] = (sbyte)(l + nmax);
        }
        return 1 / iscale;
    }

    /// <summary>
    /// make_qkx2_quants: asymmetric quantization x ~ scale * L - min with L in [0, nmax], searching
    /// nstep + 1 candidate scales (rmin + rdelta * is + nmax) / (max - min) and refitting scale and min by weighted
    /// least squares. Returns the scale; <paramref name="theMin"/> receives the (non-negative) offset.
    /// </summary>
    public static float MakeQkx2Quants(int n, int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
        Span<byte> levels, out float theMin, Span<byte> scratch, float rmin, float rdelta, int nstep, bool useMad)
    {
        float min = x[0];
        float max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; ++i)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels[..n].Clear();
            theMin = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * (x[i] - min));
            levels[i] = (byte)Math.Max(0, Math.Min(nmax, l));
            float diff = scale * levels[i] + min - x[i];
            diff = useMad ? MathF.Abs(diff) : diff * diff;
            float w = weights[i];
            bestError += w * diff;
        }
        if (nstep < 1)
        {
            theMin = -min;
            return scale;
        }
        for (int step = 0; step <= nstep; ++step)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * (x[i] - min));
                l = Math.Max(0, Math.Min(nmax, l));
                scratch[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; ++i)
                {
                    float diff = thisScale * scratch[i] + thisMin - x[i];
                    diff = useMad ? MathF.Abs(diff) : diff * diff;
                    float w = weights[i];
                    error += w * diff;
                }
                if (error < bestError)
                {
                    scratch[..n].CopyTo(levels);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin = -min;
        return scale;
    }

    /// <summary>get_scale_min_k4: the 6-bit scale and min of sub-block <paramref name="j"/> from the 12 packed bytes of a Q4_K/Q5_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GetScaleMinK4(int j, ReadOnlySpan<byte> q, out byte scale, out byte min)
    {
        if (j < 4)
        {
            scale = (byte)(q[j] & 63);
            min = (byte)(q[j + 4] & 63);
        }
        else
        {
            scale = (byte)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
            min = (byte)((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
        }
    }

    /// <summary>The inverse of <see cref="GetScaleMinK4"/>: packs eight 6-bit scales and mins into 12 bytes (cleared first).</summary>
    public static void PackScaleMinK4(ReadOnlySpan<byte> scales, ReadOnlySpan<byte> mins, Span<byte> q)
    {
        q[..12].Clear();
        for (int j = 0; j < 8; ++j)
        {
            byte ls = scales[j];
            byte lm = mins[j];
            if (j < 4)
            {
                q[j] = ls;
                q[j + 4] = lm;
            }
            else
            {
                q[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                q[j - 4] |= (byte)((ls >> 4) << 6);
                q[j - 0] |= (byte)((lm >> 4) << 6);
            }
        }
    }
}
