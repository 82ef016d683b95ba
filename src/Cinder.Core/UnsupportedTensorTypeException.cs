namespace Cinder.Core;

/// <summary>A tensor type that Cinder cannot read or compute with in the place it was asked for.</summary>
public sealed class UnsupportedTensorTypeException : CinderException
{
    public UnsupportedTensorTypeException(GgmlType type, string why, string? tensor = null)
        : base(tensor is null ? $"tensor type {Describe(type)} is not supported: {why}" : $"tensor '{tensor}' has type {Describe(type)}, which is not supported: {why}")
    {
        Type = type;
        Tensor = tensor;
    }

    public GgmlType Type { get; }
    public string? Tensor { get; }

    private static string Describe(GgmlType type) => Enum.IsDefined(type) ? type.ToString() : $"#{(uint)type}";
}
