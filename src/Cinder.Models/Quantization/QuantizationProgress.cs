using Cinder.Core;

namespace Cinder.Models.Quantization;

/// <summary>Reported as each tensor starts: tensor <see cref="TensorIndex"/> (0-based) of <see cref="TensorCount"/>.</summary>
public readonly record struct QuantizationProgress(int TensorIndex, int TensorCount, string TensorName, GgmlType SourceType, GgmlType TargetType);
