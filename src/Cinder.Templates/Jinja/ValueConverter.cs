using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Turns caller-supplied data into template values. Only plain data is accepted: strings, numbers, booleans,
/// null, lists and string-keyed dictionaries (also as <see cref="JsonElement"/> / <see cref="JsonNode"/>); anything
/// else is refused rather than reflected over.
/// </summary>
internal static class ValueConverter
{
    private const int MaxDepth = 64;

    public static object? FromClr(object? value, int depth = 0)
    {
        if (depth > MaxDepth) throw new ArgumentException($"template data is nested deeper than {MaxDepth} levels");
        switch (value)
        {
            case null: return null;
            case string s: return s;
            case bool b: return b;
            case char c: return c.ToString();
            case sbyte or byte or short or ushort or int or uint or long: return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            case ulong u: return u <= long.MaxValue ? (long)u : (double)u;
            case float f: return (double)f;
            case double d: return d;
            case decimal m: return (double)m;
            case JsonElement element: return FromJson(element, depth);
            case JsonNode node:
                using (var document = JsonDocument.Parse(node.ToJsonString()))
                {
                    return FromJson(document.RootElement, depth);
                }
            case IDictionary<string, object?> dict:
            {
                var result = new PyDict();
                foreach (var (k, v) in dict) result.Set(k, FromClr(v, depth + 1));
                return result;
            }
            case IReadOnlyDictionary<string, object?> dict:
            {
                var result = new PyDict();
                foreach (var (k, v) in dict) result.Set(k, FromClr(v, depth + 1));
                return result;
            }
            case IDictionary dict:
            {
                var result = new PyDict();
                foreach (DictionaryEntry entry in dict)
                {
                    if (entry.Key is not string key) throw new ArgumentException($"template data dictionary keys must be strings, not {entry.Key.GetType().Name}");
                    result.Set(key, FromClr(entry.Value, depth + 1));
                }
                return result;
            }
            case IEnumerable sequence:
            {
                var result = new List<object?>();
                foreach (var item in sequence) result.Add(FromClr(item, depth + 1));
                return result;
            }
            default:
                throw new ArgumentException($"template data of type {value.GetType().FullName} is not supported: use strings, numbers, booleans, null, lists, string-keyed dictionaries or JSON");
        }
    }

    private static object? FromJson(JsonElement element, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"template data is nested deeper than {MaxDepth} levels");
        switch (element.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined: return null;
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var l) ? (object)l : element.GetDouble();
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(e => FromJson(e, depth + 1)).ToList();
            case JsonValueKind.Object:
            {
                var dict = new PyDict();
                foreach (var property in element.EnumerateObject()) dict.Set(property.Name, FromJson(property.Value, depth + 1));
                return dict;
            }
            default:
                throw new ArgumentException($"unsupported JSON value kind {element.ValueKind}");
        }
    }
}
