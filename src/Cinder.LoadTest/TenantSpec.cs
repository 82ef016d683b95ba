using System.Globalization;

namespace Cinder.LoadTest;

/// <summary>
/// One tenant the load generator plays: a name for the report, the API key it sends, and how much of the traffic
/// is its own. Parsed from <c>NAME=KEY[,share=W][,rate=R][,burst-rate=B]</c>.
/// </summary>
/// <remarks>
/// A tenant without <c>rate=</c> gets the fraction share / (sum of shares of such tenants) of --rate and of --burst-rate.
/// A tenant with <c>rate=</c> sends at that rate, and during bursts at its <c>burst-rate=</c> (without one it does not
/// burst). An empty KEY sends no Authorization header.
/// </remarks>
public sealed record TenantSpec
{
    public TenantSpec(string name, string? key, double share = 1, double? rate = null, double? burstRate = null)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new LoadTestException($"invalid tenant name '{name}': use letters, digits, '_', '-' and '.'");
        if (!(share > 0) || !double.IsFinite(share)) throw new LoadTestException($"tenant '{name}': share must be a positive number, got {share}");
        if (rate is { } r && (!(r >= 0) || !double.IsFinite(r))) throw new LoadTestException($"tenant '{name}': rate must be zero or a positive number of requests per second, got {r}");
        if (burstRate is { } b && (!(b >= 0) || !double.IsFinite(b))) throw new LoadTestException($"tenant '{name}': burst-rate must be zero or a positive number of requests per second, got {b}");
        if (burstRate is not null && rate is null) throw new LoadTestException($"tenant '{name}': burst-rate= needs rate= as well (without rate= the tenant takes its share of --rate and --burst-rate)");
        Name = name;
        Key = string.IsNullOrEmpty(key) ? null : key;
        Share = share;
        Rate = rate;
        BurstRate = burstRate;
    }

    /// <summary>Name in reports and in trace files.</summary>
    public string Name { get; }

    /// <summary>Sent as <c>Authorization: Bearer KEY</c>; null sends no header. Never printed.</summary>
    public string? Key { get; }

    /// <summary>Weight of this tenant in --rate and --burst-rate when it has no rate of its own.</summary>
    public double Share { get; }

    /// <summary>Own mean request rate (requests per second), overriding the share of --rate.</summary>
    public double? Rate { get; }

    /// <summary>Own mean rate during bursts; only with <see cref="Rate"/>.</summary>
    public double? BurstRate { get; }

    /// <summary>Parses <c>NAME=KEY[,share=W][,rate=R][,burst-rate=B]</c>.</summary>
    public static TenantSpec Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new LoadTestException($"invalid --tenant '{text}': expected NAME=KEY[,share=W][,rate=R][,burst-rate=B]");
        string name = text[..eq].Trim();
        string[] parts = text[(eq + 1)..].Split(',');
        string key = parts[0].Trim();
        double share = 1;
        double? rate = null, burst = null;
        var seen = new HashSet<string>();
        foreach (string part in parts.Skip(1))
        {
            int e = part.IndexOf('=');
            string field = e < 0 ? part.Trim() : part[..e].Trim().ToLowerInvariant();
            string value = e < 0 ? "" : part[(e + 1)..].Trim();
            if (!seen.Add(field)) throw new LoadTestException($"invalid --tenant '{Redact(text, key)}': '{field}' given twice");
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new LoadTestException($"invalid --tenant '{Redact(text, key)}': {field} needs a number, got '{value}'");
            switch (field)
            {
                case "share": share = v; break;
                case "rate": rate = v; break;
                case "burst-rate" or "burst_rate": burst = v; break;
                default: throw new LoadTestException($"invalid --tenant '{Redact(text, key)}': unknown field '{field}'; expected share=, rate= or burst-rate=");
            }
        }
        return new TenantSpec(name, key, share, rate, burst);
    }

    /// <summary>Never echo a key: errors show the option with the key replaced.</summary>
    private static string Redact(string text, string key) => key.Length == 0 ? text : text.Replace(key, "***", StringComparison.Ordinal);

    /// <summary>Keys stay out of logs and reports.</summary>
    public override string ToString() => $"{Name} (share {Share}{(Rate is { } r ? $", rate {r}" : "")}{(BurstRate is { } b ? $", burst-rate {b}" : "")})";
}
