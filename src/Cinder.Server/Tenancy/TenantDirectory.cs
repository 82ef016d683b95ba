using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cinder.Engine.Scheduling;

namespace Cinder.Server.Tenancy;

/// <summary>
/// The tenants of an --api-keys file and their keys. Keys are kept only as SHA-256 digests and a presented key is
/// compared against every one of them in constant time, so neither timing nor a memory dump gives a key away.
/// </summary>
public sealed class TenantDirectory
{
    private readonly (byte[] Digest, TenantPolicy Tenant)[] _keys;

    private TenantDirectory(IReadOnlyList<TenantPolicy> tenants, (byte[], TenantPolicy)[] keys)
    {
        Tenants = tenants;
        _keys = keys;
    }

    /// <summary>The tenants in file order.</summary>
    public IReadOnlyList<TenantPolicy> Tenants { get; }

    /// <summary>Number of keys across all tenants.</summary>
    public int KeyCount => _keys.Length;

    /// <summary>Reads and checks an --api-keys file; throws <see cref="ApiKeysFormatException"/> with one line naming the problem.</summary>
    public static TenantDirectory Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApiKeysFormatException($"cannot read the API keys file {path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses the JSON text of an API keys file; <paramref name="source"/> names it in errors.</summary>
    public static TenantDirectory Parse(string json, string source = "the API keys file")
    {
        ApiKeysFileDto? file;
        try
        {
            file = JsonSerializer.Deserialize(json, ApiKeysJson.Default.ApiKeysFileDto);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            string path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" ({e.Path[1..].TrimStart('.')})";
            throw new ApiKeysFormatException($"{source} is not a valid API keys file{where}{path}: {Brief(e.Message)}; expected {Expected}", e);
        }
        if (file?.Tenants is not { Count: > 0 } entries) throw new ApiKeysFormatException($"{source} has no tenants; expected {Expected}");

        var tenants = new List<TenantPolicy>();
        var keys = new List<(byte[], TenantPolicy)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            string at = $"{source}: tenants[{i}]";
            var entry = entries[i] ?? throw new ApiKeysFormatException($"{at} is null; expected an object");
            if (string.IsNullOrWhiteSpace(entry.Name)) throw new ApiKeysFormatException($"{at}.name is missing or empty");
            if (!entry.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ApiKeysFormatException($"{at}.name '{entry.Name}' may use only ASCII letters, digits, '-', '_' and '.' (it becomes a metrics label)");
            if (entry.Name == Engine.Scheduling.TenantPolicy.Anonymous.Name) throw new ApiKeysFormatException($"{at}.name '{entry.Name}' is reserved for requests without keys");
            if (!names.Add(entry.Name)) throw new ApiKeysFormatException($"{at}.name '{entry.Name}' is used by an earlier tenant");
            if (entry.Keys is not { Count: > 0 }) throw new ApiKeysFormatException($"{at} ('{entry.Name}') has no keys");
            if (entry.Weight is { } w && !(w > 0 && double.IsFinite(w))) throw new ApiKeysFormatException($"{at}.weight must be a positive number, got {w}");
            if (entry.MaxConcurrent is < 1) throw new ApiKeysFormatException($"{at}.max_concurrent must be at least 1, got {entry.MaxConcurrent}");
            if (entry.TokensPerMinute is < 1) throw new ApiKeysFormatException($"{at}.tokens_per_minute must be at least 1, got {entry.TokensPerMinute}");
            var tenant = new TenantPolicy(entry.Name, entry.Weight ?? 1, entry.MaxConcurrent, entry.TokensPerMinute);
            tenants.Add(tenant);
            for (int k = 0; k < entry.Keys.Count; k++)
            {
                // Errors say which entry, never the key itself.
                var key = entry.Keys[k];
                if (string.IsNullOrWhiteSpace(key)) throw new ApiKeysFormatException($"{at}.keys[{k}] is empty");
                if (key.Any(c => c <= ' ' || c > '~')) throw new ApiKeysFormatException($"{at}.keys[{k}] contains spaces or non-ASCII characters, which cannot travel in an Authorization header");
                if (!seen.Add(key)) throw new ApiKeysFormatException($"{at}.keys[{k}] is also given earlier in the file (a key belongs to one tenant)");
                keys.Add((Digest(key), tenant));
            }
        }
        return new TenantDirectory(tenants, keys.ToArray());
    }

    /// <summary>The tenant owning <paramref name="key"/>, or null. Takes the same time whichever key (if any) matches.</summary>
    public TenantPolicy? Authenticate(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        int length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        TenantPolicy? found = null;
        foreach (var (candidate, tenant) in _keys)
        {
            // No early exit: every key is compared whatever the outcome.
            bool match = CryptographicOperations.FixedTimeEquals(candidate, digest);
            found = match ? tenant : found;
        }
        return found;
    }

    private const string Expected = "{\"tenants\": [{\"name\": \"team-a\", \"keys\": [\"sk-...\"], \"weight\": 1, \"max_concurrent\": 4, \"tokens_per_minute\": 60000}]}";

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Brief(string message)
    {
        int cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        var s = cut >= 0 ? message[..cut] : message;
        return s.Trim().TrimEnd('.');
    }
}
