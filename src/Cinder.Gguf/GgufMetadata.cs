using Cinder.Core;

namespace Cinder.Gguf;

/// <summary>GGUF metadata in file order, with typed lookups that fail with a <see cref="ModelFormatException"/> naming the key.</summary>
public sealed class GgufMetadata
{
    private readonly Dictionary<string, GgufValue> _byKey;

    public GgufMetadata(IReadOnlyList<KeyValuePair<string, GgufValue>> entries)
    {
        Entries = entries;
        _byKey = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        foreach (var e in entries) _byKey[e.Key] = e.Value;
    }

    /// <summary>Every key/value pair in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Entries { get; }

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public bool TryGet(string key, out GgufValue value) => _byKey.TryGetValue(key, out value!);

    public GgufValue Get(string key) =>
        _byKey.TryGetValue(key, out var v) ? v : throw new ModelFormatException($"metadata key '{key}' is missing");

    public string GetString(string key) => Convert(key, v => v.AsString(), "a string");

    public string? GetStringOrNull(string key) => _byKey.TryGetValue(key, out var v) ? Convert(key, _ => v.AsString(), "a string") : null;

    /// <summary>Any integer type, as a long.</summary>
    public long GetInteger(string key) => Convert(key, v => v.AsInt64(), "an integer");

    public long GetInteger(string key, long fallback) => _byKey.ContainsKey(key) ? GetInteger(key) : fallback;

    /// <summary>Any numeric type, as a double.</summary>
    public double GetNumber(string key) => Convert(key, v => v.AsDouble(), "a number");

    public double GetNumber(string key, double fallback) => _byKey.ContainsKey(key) ? GetNumber(key) : fallback;

    public bool GetBool(string key, bool fallback) => _byKey.ContainsKey(key) ? Convert(key, v => v.AsBool(), "a bool") : fallback;

    public T[] GetArray<T>(string key) => Convert(key, v => v.AsArray<T>(), $"an array of {typeof(T).Name}");

    public T[]? GetArrayOrNull<T>(string key) => _byKey.ContainsKey(key) ? GetArray<T>(key) : null;

    private T Convert<T>(string key, Func<GgufValue, T> convert, string expected)
    {
        var v = Get(key);
        try
        {
            return convert(v);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException)
        {
            throw new ModelFormatException($"metadata key '{key}' should be {expected} but is {v.Describe()}");
        }
    }
}
