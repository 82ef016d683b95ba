namespace Cinder.Core;

/// <summary>Block geometry of a <see cref="GgmlType"/>: how many elements a block holds and how many bytes it takes.</summary>
/// <remarks>Bytes of a row of n elements = n / <see cref="BlockSize"/> * <see cref="TypeSize"/>; n must be a multiple of the block size.</remarks>
public readonly record struct GgmlTypeInfo(GgmlType Type, string Name, int BlockSize, int TypeSize)
{
    private static readonly Dictionary<GgmlType, GgmlTypeInfo> Known = new GgmlTypeInfo[]
    {
        new(GgmlType.F32, "F32", 1, 4),
        new(GgmlType.F16, "F16", 1, 2),
        new(GgmlType.Q4_0, "Q4_0", 32, 18),
        new(GgmlType.Q4_1, "Q4_1", 32, 20),
        new(GgmlType.Q5_0, "Q5_0", 32, 22),
        new(GgmlType.Q5_1, "Q5_1", 32, 24),
        new(GgmlType.Q8_0, "Q8_0", 32, 34),
        new(GgmlType.Q8_1, "Q8_1", 32, 36),
        new(GgmlType.Q2_K, "Q2_K", 256, 84),
        new(GgmlType.Q3_K, "Q3_K", 256, 110),
        new(GgmlType.Q4_K, "Q4_K", 256, 144),
        new(GgmlType.Q5_K, "Q5_K", 256, 176),
        new(GgmlType.Q6_K, "Q6_K", 256, 210),
        new(GgmlType.Q8_K, "Q8_K", 256, 292),
        new(GgmlType.IQ2_XXS, "IQ2_XXS", 256, 66),
        new(GgmlType.IQ2_XS, "IQ2_XS", 256, 74),
        new(GgmlType.IQ3_XXS, "IQ3_XXS", 256, 98),
        new(GgmlType.IQ1_S, "IQ1_S", 256, 50),
        new(GgmlType.IQ4_NL, "IQ4_NL", 32, 18),
        new(GgmlType.IQ3_S, "IQ3_S", 256, 110),
        new(GgmlType.IQ2_S, "IQ2_S", 256, 82),
        new(GgmlType.IQ4_XS, "IQ4_XS", 256, 136),
        new(GgmlType.I8, "I8", 1, 1),
        new(GgmlType.I16, "I16", 1, 2),
        new(GgmlType.I32, "I32", 1, 4),
        new(GgmlType.I64, "I64", 1, 8),
        new(GgmlType.F64, "F64", 1, 8),
        new(GgmlType.IQ1_M, "IQ1_M", 256, 56),
        new(GgmlType.BF16, "BF16", 1, 2),
        new(GgmlType.TQ1_0, "TQ1_0", 256, 54),
        new(GgmlType.TQ2_0, "TQ2_0", 256, 66),
        new(GgmlType.MXFP4, "MXFP4", 32, 17),
    }.ToDictionary(i => i.Type);

    /// <summary>Geometry of <paramref name="type"/>, or false for a number ggml does not define.</summary>
    public static bool TryGet(GgmlType type, out GgmlTypeInfo info) => Known.TryGetValue(type, out info);

    /// <summary>Geometry of <paramref name="type"/>; throws <see cref="UnsupportedTensorTypeException"/> for an unknown number.</summary>
    public static GgmlTypeInfo Get(GgmlType type) =>
        Known.TryGetValue(type, out var info) ? info : throw new UnsupportedTensorTypeException(type, "Cinder does not know this tensor type number (newer ggml types such as NVFP4 are not supported)");

    /// <summary>All types ggml defines.</summary>
    public static IEnumerable<GgmlTypeInfo> All => Known.Values;

    /// <summary>Parses a type name such as "q8_0" or "F16" (case-insensitive).</summary>
    public static bool TryParse(string name, out GgmlType type)
    {
        foreach (var info in Known.Values)
        {
            if (string.Equals(info.Name, name, StringComparison.OrdinalIgnoreCase)) { type = info.Type; return true; }
        }
        type = default;
        return false;
    }

    /// <summary>Bytes taken by <paramref name="elements"/> elements (a multiple of the block size), overflow-checked.</summary>
    public long RowBytes(long elements)
    {
        if (elements < 0) throw new ArgumentOutOfRangeException(nameof(elements), elements, "a row cannot have a negative length");
        if (elements % BlockSize != 0)
            throw new ArgumentException($"{elements} elements is not a multiple of the {Name} block size {BlockSize}", nameof(elements));
        return checked(elements / BlockSize * TypeSize);
    }

    public override string ToString() => Name;
}
