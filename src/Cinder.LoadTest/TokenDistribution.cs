using System.Globalization;

namespace Cinder.LoadTest;

/// <summary>
/// A distribution of token counts (prompt or output lengths), parsed from a short text form:
/// <c>fixed:N</c> (or just <c>N</c>), <c>uniform:MIN-MAX</c>, <c>normal:MEAN,SD</c>, <c>lognormal:MEAN,SD</c>,
/// <c>exponential:MEAN</c>; normal, lognormal and exponential take an optional clamp range <c>,MIN-MAX</c>.
/// </summary>
/// <remarks>
/// Samples are integers. Continuous shapes are rounded to the nearest integer and then clamped to
/// [<see cref="Min"/>, <see cref="Max"/>] (default [1, 1000000]); clamping keeps every sample usable but moves the
/// clamped mass onto the bounds, so a clamp near the bulk shifts the mean.
/// lognormal:MEAN,SD is the log-normal whose values have that mean m and standard deviation s:
/// sigma^2 = ln(1 + s^2/m^2), mu = ln(m) - sigma^2/2, sample = exp(mu + sigma * z) with z standard normal.
/// exponential:MEAN samples -MEAN * ln(1 - u) with u uniform in [0, 1).
/// </remarks>
public sealed class TokenDistribution
{
    /// <summary>The largest token count any distribution may produce or name.</summary>
    public const int Limit = 1_000_000;

    private TokenDistribution(DistributionKind kind, double a, double b, int min, int max, string text)
    {
        Kind = kind;
        A = a;
        B = b;
        Min = min;
        Max = max;
        Text = text;
    }

    public DistributionKind Kind { get; }

    /// <summary>fixed: the value; uniform: the low end; normal/lognormal/exponential: the mean.</summary>
    public double A { get; }

    /// <summary>uniform: the high end; normal/lognormal: the standard deviation; otherwise 0.</summary>
    public double B { get; }

    /// <summary>Smallest sample (inclusive).</summary>
    public int Min { get; }

    /// <summary>Largest sample (inclusive).</summary>
    public int Max { get; }

    /// <summary>The text this was parsed from, normalised (for reports).</summary>
    public string Text { get; }

    /// <summary>The mean of the distribution before rounding and clamping.</summary>
    public double NominalMean => Kind == DistributionKind.Uniform ? (A + B) / 2 : A;

    public static TokenDistribution Fixed(int value) => Parse(value.ToString(CultureInfo.InvariantCulture), "value");

    /// <summary>Parses the text form; <paramref name="option"/> names the option in error messages.</summary>
    /// <exception cref="LoadTestException">The text does not follow the grammar or a value is out of range.</exception>
    public static TokenDistribution Parse(string text, string option)
    {
        string spec = text.Trim();
        if (spec.Length == 0) throw Bad(option, text, "it is empty");
        int colon = spec.IndexOf(':');
        string kindText = colon < 0 ? "fixed" : spec[..colon].Trim().ToLowerInvariant();
        string args = colon < 0 ? spec : spec[(colon + 1)..].Trim();
        string[] parts = args.Split(',', StringSplitOptions.TrimEntries);
        switch (kindText)
        {
            case "fixed":
            {
                if (parts.Length != 1) throw Bad(option, text, "fixed takes one value: fixed:N");
                int n = Count(parts[0], option, text, "N");
                return new TokenDistribution(DistributionKind.Fixed, n, 0, n, n, $"fixed:{n}");
            }
            case "uniform":
            {
                if (parts.Length != 1) throw Bad(option, text, "uniform takes one range: uniform:MIN-MAX");
                var (lo, hi) = Range(parts[0], option, text);
                return new TokenDistribution(DistributionKind.Uniform, lo, hi, lo, hi, $"uniform:{lo}-{hi}");
            }
            case "normal":
            case "lognormal":
            {
                var kind = kindText == "normal" ? DistributionKind.Normal : DistributionKind.LogNormal;
                if (parts.Length is < 2 or > 3) throw Bad(option, text, $"{kindText} takes a mean, a standard deviation and an optional range: {kindText}:MEAN,SD[,MIN-MAX]");
                double mean = Real(parts[0], option, text, "MEAN");
                double sd = Real(parts[1], option, text, "SD");
                if (mean <= 0 || mean > Limit) throw Bad(option, text, $"MEAN must be in (0, {Limit}]");
                if (sd < 0 || sd > Limit) throw Bad(option, text, $"SD must be in [0, {Limit}]");
                var (lo, hi) = parts.Length == 3 ? Range(parts[2], option, text) : (1, Limit);
                string range = parts.Length == 3 ? $",{lo}-{hi}" : "";
                return new TokenDistribution(kind, mean, sd, lo, hi, $"{kindText}:{Fmt(mean)},{Fmt(sd)}{range}");
            }
            case "exponential":
            case "exp":
            {
                if (parts.Length is < 1 or > 2) throw Bad(option, text, "exponential takes a mean and an optional range: exponential:MEAN[,MIN-MAX]");
                double mean = Real(parts[0], option, text, "MEAN");
                if (mean <= 0 || mean > Limit) throw Bad(option, text, $"MEAN must be in (0, {Limit}]");
                var (lo, hi) = parts.Length == 2 ? Range(parts[1], option, text) : (1, Limit);
                string range = parts.Length == 2 ? $",{lo}-{hi}" : "";
                return new TokenDistribution(DistributionKind.Exponential, mean, 0, lo, hi, $"exponential:{Fmt(mean)}{range}");
            }
            default:
                throw Bad(option, text, $"unknown distribution '{kindText}'; expected fixed:N, uniform:MIN-MAX, normal:MEAN,SD, lognormal:MEAN,SD or exponential:MEAN");
        }
    }

    /// <summary>Draws one token count in [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public int Sample(Random rng)
    {
        switch (Kind)
        {
            case DistributionKind.Fixed:
                return Min;
            case DistributionKind.Uniform:
                return rng.Next(Min, Max + 1);
            case DistributionKind.Normal:
                return Clamp(A + B * StandardNormal(rng));
            case DistributionKind.LogNormal:
            {
                double sigma2 = Math.Log(1 + B * B / (A * A));
                double mu = Math.Log(A) - sigma2 / 2;
                return Clamp(Math.Exp(mu + Math.Sqrt(sigma2) * StandardNormal(rng)));
            }
            case DistributionKind.Exponential:
                return Clamp(-A * Math.Log(1 - rng.NextDouble()));
            default:
                throw new InvalidOperationException($"unknown distribution kind {Kind}");
        }
    }

    public override string ToString() => Text;

    /// <summary>Box-Muller: one standard normal from two uniforms (the second variate is dropped for simplicity).</summary>
    internal static double StandardNormal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(); // (0, 1]: the log stays finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private int Clamp(double x)
    {
        if (double.IsNaN(x)) return Min;
        double r = Math.Round(x, MidpointRounding.AwayFromZero);
        return r <= Min ? Min : r >= Max ? Max : (int)r;
    }

    private static string Fmt(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static int Count(string s, string option, string text, string what)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > Limit)
            throw Bad(option, text, $"{what} must be a whole number from 1 to {Limit}, got '{s}'");
        return n;
    }

    private static double Real(string s, string option, string text, string what)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw Bad(option, text, $"{what} must be a number, got '{s}'");
        return v;
    }

    private static (int Lo, int Hi) Range(string s, string option, string text)
    {
        int dash = s.IndexOf('-');
        if (dash <= 0) throw Bad(option, text, $"expected a range MIN-MAX, got '{s}'");
        int lo = Count(s[..dash].Trim(), option, text, "MIN");
        int hi = Count(s[(dash + 1)..].Trim(), option, text, "MAX");
        if (lo > hi) throw Bad(option, text, $"MIN ({lo}) is larger than MAX ({hi})");
        return (lo, hi);
    }

    private static LoadTestException Bad(string option, string text, string why) =>
        new($"invalid {option} '{text}': {why}");
}
