using Cinder.Core;

namespace Cinder.Models.Quantization;

/// <summary>Names, file types and default tensor types of the <see cref="QuantizationTarget"/>s.</summary>
public static class QuantizationTargets
{
    /// <summary>Every target, in the order the CLI lists them.</summary>
    public static IReadOnlyList<QuantizationTarget> All { get; } =
        [QuantizationTarget.F16, QuantizationTarget.BF16, QuantizationTarget.Q8_0, QuantizationTarget.Q4_0, QuantizationTarget.Q4_K_M, QuantizationTarget.Q6_K];

    /// <summary>The name users type: f16, bf16, q8_0, q4_0, q4_k_m, q6_k.</summary>
    public static string Name(QuantizationTarget target) => target switch
    {
        QuantizationTarget.F16 => "f16",
        QuantizationTarget.BF16 => "bf16",
        QuantizationTarget.Q8_0 => "q8_0",
        QuantizationTarget.Q4_0 => "q4_0",
        QuantizationTarget.Q4_K_M => "q4_k_m",
        QuantizationTarget.Q6_K => "q6_k",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>Parses a target name (case-insensitive: "q4_k_m", "Q8_0" ...).</summary>
    public static bool TryParse(string? name, out QuantizationTarget target)
    {
        foreach (var t in All)
        {
            if (string.Equals(Name(t), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                target = t;
                return true;
            }
        }
        target = default;
        return false;
    }

    /// <summary>Parses a target name; an unknown name throws an <see cref="ArgumentException"/> that lists the valid ones.</summary>
    public static QuantizationTarget Parse(string name) =>
        TryParse(name, out var target)
            ? target
            : throw new ArgumentException($"unknown quantization type '{name}'; expected one of: {string.Join(", ", All.Select(Name))}", nameof(name));

    /// <summary>The llama_ftype number written to <c>general.file_type</c>.</summary>
    public static LlamaFileType FileType(QuantizationTarget target) => target switch
    {
        QuantizationTarget.F16 => LlamaFileType.MostlyF16,
        QuantizationTarget.BF16 => LlamaFileType.MostlyBF16,
        QuantizationTarget.Q8_0 => LlamaFileType.MostlyQ8_0,
        QuantizationTarget.Q4_0 => LlamaFileType.MostlyQ4_0,
        QuantizationTarget.Q4_K_M => LlamaFileType.MostlyQ4_K_M,
        QuantizationTarget.Q6_K => LlamaFileType.MostlyQ6_K,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>The type of an ordinary weight before per-tensor rules apply (llama_ftype_get_default_type).</summary>
    public static GgmlType DefaultTensorType(QuantizationTarget target) => target switch
    {
        QuantizationTarget.F16 => GgmlType.F16,
        QuantizationTarget.BF16 => GgmlType.BF16,
        QuantizationTarget.Q8_0 => GgmlType.Q8_0,
        QuantizationTarget.Q4_0 => GgmlType.Q4_0,
        QuantizationTarget.Q4_K_M => GgmlType.Q4_K,
        QuantizationTarget.Q6_K => GgmlType.Q6_K,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };
}
