using System.Text.Json;

namespace Cinder.LoadTest;

/// <summary>
/// Reads a JSONL trace: one object per line, <c>{"t": 0.25, "prompt_tokens": 512, "output_tokens": 64, "tenant": "a"}</c>
/// or with <c>"prompt": "text"</c> instead of prompt_tokens. Blank lines are skipped; every other line must be a valid
/// object. Entries come back sorted by time (stable, so equal times keep file order).
/// </summary>
public static class TraceFile
{
    /// <summary>Most lines read from one trace (a guard against feeding the wrong file).</summary>
    public const int MaxEntries = 10_000_000;

    /// <summary>Longest accepted line in characters.</summary>
    public const int MaxLineLength = 4 * 1024 * 1024;

    public static IReadOnlyList<TraceEntry> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"trace file not found: {path}", path);
        using var reader = new StreamReader(path);
        return Parse(reader, Path.GetFileName(path));
    }

    /// <summary>Parses trace lines; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="LoadTestException">A line is not valid JSON or a field is missing, of the wrong type or out of range.</exception>
    public static IReadOnlyList<TraceEntry> Parse(TextReader reader, string source)
    {
        var entries = new List<TraceEntry>();
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (line.Length > MaxLineLength) throw Bad(source, lineNo, $"the line is longer than {MaxLineLength} characters");
            if (entries.Count >= MaxEntries) throw Bad(source, lineNo, $"a trace may hold at most {MaxEntries} requests");
            entries.Add(ParseLine(line, source, lineNo));
        }
        if (entries.Count == 0) throw new LoadTestException($"{source}: the trace holds no requests");
        // Stable sort by time: List.Sort is not stable, OrderBy is.
        return entries.OrderBy(e => e.Time).ToList();
    }

    private static TraceEntry ParseLine(string line, string source, int lineNo)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw Bad(source, lineNo, $"not valid JSON ({e.Message.Split(" LineNumber")[0].TrimEnd('.', ' ')})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(source, lineNo, $"expected a JSON object, got {Kind(root)}");
            double? t = null;
            int? promptTokens = null, outputTokens = null;
            string? prompt = null, tenant = null;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "t":
                        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out double tv) || !double.IsFinite(tv) || tv < 0)
                            throw Bad(source, lineNo, $"'t' must be a number of seconds, zero or more, got {p.Value.GetRawText()}");
                        t = tv;
                        break;
                    case "prompt_tokens":
                        promptTokens = Count(p.Value, "prompt_tokens", source, lineNo);
                        break;
                    case "output_tokens":
                        outputTokens = Count(p.Value, "output_tokens", source, lineNo);
                        break;
                    case "prompt":
                        if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not { Length: > 0 } s)
                            throw Bad(source, lineNo, $"'prompt' must be a non-empty string, got {Short(p.Value)}");
                        prompt = s;
                        break;
                    case "tenant":
                        if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not { Length: > 0 } n)
                            throw Bad(source, lineNo, $"'tenant' must be a non-empty string, got {Short(p.Value)}");
                        tenant = n;
                        break;
                    default:
                        // Unknown fields are allowed: traces exported from other tools carry extra columns.
                        break;
                }
            }
            if (t is null) throw Bad(source, lineNo, "missing 't' (arrival time in seconds from the start of the trace)");
            if (prompt is not null && promptTokens is not null) throw Bad(source, lineNo, "give 'prompt' or 'prompt_tokens', not both");
            return new TraceEntry(lineNo, t.Value, promptTokens, prompt, outputTokens, tenant);
        }
    }

    private static int Count(JsonElement v, string name, string source, int lineNo)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < 1 || n > TokenDistribution.Limit)
            throw Bad(source, lineNo, $"'{name}' must be a whole number from 1 to {TokenDistribution.Limit}, got {Short(v)}");
        return n;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    private static string Short(JsonElement e)
    {
        string raw = e.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }

    private static LoadTestException Bad(string source, int line, string why) => new($"{source}:{line}: {why}");
}
