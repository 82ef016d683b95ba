namespace Cinder.Models.Quantization;

/// <summary>The type chosen for every tensor, in the order the output file stores them.</summary>
public sealed record QuantizationPlan(QuantizationTarget Target, LlamaFileType FileType, IReadOnlyList<TensorQuantization> Tensors)
{
    /// <summary>One line per tensor that fell back to another type.</summary>
    public IReadOnlyList<string> Warnings => Tensors.Where(t => t.Warning is not null).Select(t => t.Warning!).ToArray();

    /// <summary>The plan for <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when there is no such tensor.</summary>
    public TensorQuantization this[string name] =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"no tensor named '{name}'");
}
