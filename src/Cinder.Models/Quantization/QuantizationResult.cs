namespace Cinder.Models.Quantization;

/// <summary>What <see cref="ModelQuantizer.Quantize"/> wrote.</summary>
/// <param name="Plan">Per-tensor types and warnings.</param>
/// <param name="InputBytes">Size of the input file.</param>
/// <param name="OutputBytes">Size of the output file.</param>
public sealed record QuantizationResult(QuantizationPlan Plan, long InputBytes, long OutputBytes);
