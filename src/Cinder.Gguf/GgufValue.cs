using System.Globalization;

namespace Cinder.Gguf;

/// <summary>
/// One metadata value. Scalars are boxed in <see cref="Raw"/>; an array of scalars is a typed CLR array
/// (uint[], float[], string[] ...); an array of arrays is a <see cref="GgufValue"/>[] whose items are arrays.
/// </summary>
/// <remarks>
/// Strings read from a file stay UTF-8 until first asked for: a vocabulary of 150k tokens then costs about
/// what it takes on disk, which lets the reader refuse any file whose metadata would need more memory than
/// the file's size.
/// </remarks>
public sealed class GgufValue
{
    private readonly object _stored;
    private object? _decoded;

    private GgufValue(GgufValueType type, object raw, GgufValueType elementType = default)
    {
        Type = type;
        _stored = raw;
        ElementType = elementType;
    }

    /// <summary>A string read from a file, kept as UTF-8 until decoded.</summary>
    internal static GgufValue Utf8String(byte[] utf8) => new(GgufValueType.String, utf8);

    /// <summary>A string array read from a file, kept as UTF-8 until decoded.</summary>
    internal static GgufValue Utf8StringArray(Utf8StringArray strings) => new(GgufValueType.Array, strings, GgufValueType.String);

    public GgufValueType Type { get; }

    /// <summary>Element type when <see cref="Type"/> is <see cref="GgufValueType.Array"/>.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The CLR value: a scalar, a string, a typed array, or GgufValue[] for arrays of arrays.</summary>
    public object Raw => _stored switch
    {
        byte[] utf8 when Type == GgufValueType.String => _decoded ??= System.Text.Encoding.UTF8.GetString(utf8),
        Utf8StringArray strings => _decoded ??= strings.Decode(),
        _ => _stored,
    };

    public static GgufValue UInt8(byte v) => new(GgufValueType.UInt8, v);
    public static GgufValue Int8(sbyte v) => new(GgufValueType.Int8, v);
    public static GgufValue UInt16(ushort v) => new(GgufValueType.UInt16, v);
    public static GgufValue Int16(short v) => new(GgufValueType.Int16, v);
    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue String(string v) => new(GgufValueType.String, v);
    public static GgufValue UInt64(ulong v) => new(GgufValueType.UInt64, v);
    public static GgufValue Int64(long v) => new(GgufValueType.Int64, v);
    public static GgufValue Float64(double v) => new(GgufValueType.Float64, v);

    public static GgufValue Array(byte[] v) => new(GgufValueType.Array, v, GgufValueType.UInt8);
    public static GgufValue Array(sbyte[] v) => new(GgufValueType.Array, v, GgufValueType.Int8);
    public static GgufValue Array(ushort[] v) => new(GgufValueType.Array, v, GgufValueType.UInt16);
    public static GgufValue Array(short[] v) => new(GgufValueType.Array, v, GgufValueType.Int16);
    public static GgufValue Array(uint[] v) => new(GgufValueType.Array, v, GgufValueType.UInt32);
    public static GgufValue Array(int[] v) => new(GgufValueType.Array, v, GgufValueType.Int32);
    public static GgufValue Array(float[] v) => new(GgufValueType.Array, v, GgufValueType.Float32);
    public static GgufValue Array(bool[] v) => new(GgufValueType.Array, v, GgufValueType.Bool);
    public static GgufValue Array(string[] v) => new(GgufValueType.Array, v, GgufValueType.String);
    public static GgufValue Array(ulong[] v) => new(GgufValueType.Array, v, GgufValueType.UInt64);
    public static GgufValue Array(long[] v) => new(GgufValueType.Array, v, GgufValueType.Int64);
    public static GgufValue Array(double[] v) => new(GgufValueType.Array, v, GgufValueType.Float64);

    /// <summary>An array whose elements are themselves arrays (GGUF allows nesting).</summary>
    public static GgufValue Array(GgufValue[] arrays)
    {
        foreach (var a in arrays)
        {
            if (a.Type != GgufValueType.Array) throw new ArgumentException("every element of an array of arrays must be an array", nameof(arrays));
        }
        return new(GgufValueType.Array, arrays, GgufValueType.Array);
    }

    /// <summary>Number of elements when this is an array, else 1.</summary>
    public int Count => _stored switch
    {
        Utf8StringArray strings => strings.Count,
        System.Array a when Type == GgufValueType.Array => a.Length,
        _ => 1,
    };

    public bool IsInteger => Type is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16 or GgufValueType.Int16
        or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>The value as a signed 64-bit integer, for any integer type (a UInt64 above long.MaxValue throws).</summary>
    public long AsInt64() => Type switch
    {
        GgufValueType.UInt8 => (byte)Raw,
        GgufValueType.Int8 => (sbyte)Raw,
        GgufValueType.UInt16 => (ushort)Raw,
        GgufValueType.Int16 => (short)Raw,
        GgufValueType.UInt32 => (uint)Raw,
        GgufValueType.Int32 => (int)Raw,
        GgufValueType.UInt64 => checked((long)(ulong)Raw),
        GgufValueType.Int64 => (long)Raw,
        _ => throw new InvalidCastException($"a GGUF {Type} value is not an integer"),
    };

    /// <summary>The value as a double, for any numeric type.</summary>
    public double AsDouble() => Type switch
    {
        GgufValueType.Float32 => (float)Raw,
        GgufValueType.Float64 => (double)Raw,
        _ when IsInteger => AsInt64(),
        _ => throw new InvalidCastException($"a GGUF {Type} value is not a number"),
    };

    public string AsString() => Type == GgufValueType.String ? (string)Raw : throw new InvalidCastException($"a GGUF {Type} value is not a string");

    public bool AsBool() => Type == GgufValueType.Bool ? (bool)Raw : throw new InvalidCastException($"a GGUF {Type} value is not a bool");

    /// <summary>The array as T[], where T matches the element type exactly (string, float, int, uint ...).</summary>
    public T[] AsArray<T>() => Raw is T[] a ? a : throw new InvalidCastException($"a GGUF {Describe()} value is not an array of {typeof(T).Name}");

    /// <summary>Type name as printed by inspect: "u32", "str", "arr[str,512]" ...</summary>
    public string Describe() => Type == GgufValueType.Array ? $"arr[{ShortName(ElementType)},{Count}]" : ShortName(Type);

    private static string ShortName(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 => "u8",
        GgufValueType.Int8 => "i8",
        GgufValueType.UInt16 => "u16",
        GgufValueType.Int16 => "i16",
        GgufValueType.UInt32 => "u32",
        GgufValueType.Int32 => "i32",
        GgufValueType.Float32 => "f32",
        GgufValueType.Bool => "bool",
        GgufValueType.String => "str",
        GgufValueType.Array => "arr",
        GgufValueType.UInt64 => "u64",
        GgufValueType.Int64 => "i64",
        GgufValueType.Float64 => "f64",
        _ => t.ToString(),
    };

    /// <summary>A short human-readable rendering; long arrays are abbreviated.</summary>
    public string ToDisplayString(int maxItems = 8)
    {
        if (Raw is System.Array array)
        {
            var items = new List<string>();
            for (int i = 0; i < Math.Min(array.Length, maxItems); i++) items.Add(Render(array.GetValue(i)!));
            if (array.Length > maxItems) items.Add($"... ({array.Length} items)");
            return "[" + string.Join(", ", items) + "]";
        }
        return Render(Raw);
    }

    private static string Render(object o) => o switch
    {
        string s => s.Length > 120 ? "\"" + s[..120].Replace("\n", "\\n") + "...\"" : "\"" + s.Replace("\n", "\\n") + "\"",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        GgufValue v => v.ToDisplayString(4),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => o.ToString() ?? "",
    };

    public override string ToString() => ToDisplayString();
}
