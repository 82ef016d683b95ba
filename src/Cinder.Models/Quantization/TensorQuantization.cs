using Cinder.Core;

namespace Cinder.Models.Quantization;

/// <summary>What the quantizer does with one tensor.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Shape">ggml order: Shape[0] is the row length.</param>
/// <param name="SourceType">Type in the input file.</param>
/// <param name="TargetType">Type in the output file (equal to <paramref name="SourceType"/> when the tensor is copied).</param>
/// <param name="Warning">Set when the tensor fell back to another type because its rows do not fit the chosen type's blocks.</param>
public sealed record TensorQuantization(string Name, long[] Shape, GgmlType SourceType, GgmlType TargetType, string? Warning)
{
    /// <summary>True when the bytes are copied unchanged.</summary>
    public bool IsCopy => SourceType == TargetType;
}
