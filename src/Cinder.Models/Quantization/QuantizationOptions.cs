namespace Cinder.Models.Quantization;

/// <summary>Knobs and callbacks of <see cref="ModelQuantizer.Quantize"/>.</summary>
public sealed class QuantizationOptions
{
    /// <summary>Threads that quantize the rows of a tensor (at least 1). Defaults to the processor count.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Called as each tensor starts, on the calling thread.</summary>
    public Action<QuantizationProgress>? Progress { get; init; }

    /// <summary>Called once per tensor that falls back to another type (before any tensor is written).</summary>
    public Action<string>? Warning { get; init; }
}
