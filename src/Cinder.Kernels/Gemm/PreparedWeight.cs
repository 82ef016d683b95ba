using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A weight matrix ready for <see cref="MatMul"/>: repacked for the integer kernels where a packed layout
/// exists for its type (and its rows come in groups of eight), otherwise used in place from the model file.
/// </summary>
public sealed class PreparedWeight : IDisposable
{
    private PreparedWeight(WeightMatrix source, PackedMatrix? packed)
    {
        Source = source;
        Packed = packed;
    }

    /// <summary>The matrix as stored in the file (memory-mapped).</summary>
    public WeightMatrix Source { get; }

    /// <summary>The repacked copy, or null when the kernels read <see cref="Source"/> directly.</summary>
    public PackedMatrix? Packed { get; }

    public int Rows => Source.Rows;
    public int Columns => Source.Columns;
    public string Name => Source.Name;

    /// <summary>True when <paramref name="type"/> has a packed layout (rows must also be a multiple of 8, and columns of the block length).</summary>
    public static bool CanPack(GgmlType type) => type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_K or GgmlType.Q6_K;

    /// <param name="pack">False keeps the matrix in place even when a packed layout exists (to measure what packing buys).</param>
    public static PreparedWeight Prepare(in WeightMatrix w, bool pack = true)
    {
        PackedMatrix? packed = null;
        if (pack && w.Rows % 8 == 0)
        {
            packed = w.Type switch
            {
                GgmlType.Q8_0 => new PackedQ8_0(w),
                GgmlType.Q4_0 => new PackedQ4_0(w),
                GgmlType.Q4_K => new PackedQ4_K(w),
                GgmlType.Q6_K => new PackedQ6_K(w),
                _ => null,
            };
        }
        return new PreparedWeight(w, packed);
    }

    public void Dispose() => Packed?.Dispose();

    public override string ToString() => Packed is null ? Source.ToString() : $"{Source} (packed)";
}
