using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// A weight matrix ready for <see cref="MatMul"/>: one matrix, or several of the same width stacked row-wise
/// (Q, K and V; gate and up) so that one product computes them all — one pass over the activations and one
/// synchronisation of the workers instead of three. Repacked for the integer kernels where a packed layout
/// exists for its type (and every part's rows come in groups of eight), otherwise used in place from the file.
/// </summary>
public sealed class PreparedWeight : IDisposable
{
    private PreparedWeight(WeightMatrix[] parts, InterleavedFloatMatrix interleaved) : this(parts, (PackedMatrix?)null) => Interleaved = interleaved;

    private PreparedWeight(WeightMatrix[] parts, PackedMatrix? packed)
    {
        Parts = parts;
        Packed = packed;
        Rows = parts.Sum(p => p.Rows);
    }

    /// <summary>The matrices as stored in the file (memory-mapped), in stacking order.</summary>
    public IReadOnlyList<WeightMatrix> Parts { get; }

    /// <summary>The only part, for a matrix that is not stacked.</summary>
    public WeightMatrix Source => Parts.Count == 1 ? Parts[0] : throw new InvalidOperationException($"{Name} stacks {Parts.Count} matrices");

    /// <summary>The repacked copy, or null when the kernels read <see cref="Parts"/> directly.</summary>
    public PackedMatrix? Packed { get; }

    /// <summary>Rows of all parts together (the length of each token's output).</summary>
    public int Rows { get; }

    public int Columns => Parts[0].Columns;
    public GgmlType Type => Parts[0].Type;
    public string Name => string.Join("+", Parts.Select(p => p.Name));

    /// <summary>Bytes a product reads from the weights.</summary>
    public long Bytes => Parts.Sum(p => p.Rows * p.RowBytes);

    /// <summary>True when <paramref name="type"/> has a packed layout (rows must also be a multiple of 8, and columns of the block length).</summary>
    public static bool CanPack(GgmlType type) => type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_K or GgmlType.Q6_K;

    /// <param name="pack">False keeps the matrix in place even when a packed layout exists (to measure what packing buys).</param>
    public static PreparedWeight Prepare(in WeightMatrix w, bool pack = true) => Stack(new[] { w }, pack);

    /// <summary>
    /// Stacks matrices of equal width row-wise. They are packed together when they share a packable type. When the
    /// types differ but each packs and all take one activation format (Q and K in Q4_K with V in Q6_K, as Q4_K_M files
    /// mix them), each run of one type is packed on its own and the runs make one <see cref="PackedStack"/>, still one
    /// product. Otherwise the matrices stay in place.
    /// </summary>
    public static PreparedWeight Stack(IReadOnlyList<WeightMatrix> parts, bool pack = true)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to prepare", nameof(parts));
        if (parts.Any(p => p.Columns != parts[0].Columns)) throw new ArgumentException("stacked matrices must have the same width", nameof(parts));
        PackedMatrix? packed = null;
        if (pack && parts.All(p => p.Type == parts[0].Type && InterleavedFloatMatrix.CanInterleave(p)))
            return new PreparedWeight(parts.ToArray(), new InterleavedFloatMatrix(parts));
        if (pack && parts.All(p => CanPack(p.Type) && p.Rows % 8 == 0 && ActivationFormatOf(p.Type) == ActivationFormatOf(parts[0].Type)))
        {
            var runs = new List<PackedMatrix>();
            for (int start = 0; start < parts.Count;)
            {
                int end = start + 1;
                while (end < parts.Count && parts[end].Type == parts[start].Type) end++;
                runs.Add(Pack(parts.Skip(start).Take(end - start).ToArray()));
                start = end;
            }
            packed = runs.Count == 1 ? runs[0] : new PackedStack(runs);
        }
        return new PreparedWeight(parts.ToArray(), packed);
    }

    /// <summary>The activations the packed kernels of <paramref name="type"/> take (ggml's vec_dot_type).</summary>
    private static ActivationFormat ActivationFormatOf(GgmlType type) => type is GgmlType.Q4_K or GgmlType.Q6_K ? ActivationFormat.Q8_K : ActivationFormat.Q8_0;

    /// <summary>Matrices of one packable type, packed together.</summary>
    private static PackedMatrix Pack(IReadOnlyList<WeightMatrix> parts) => parts[0].Type switch
    {
        GgmlType.Q8_0 => new PackedQ8_0(parts),
        GgmlType.Q4_0 => new PackedQ4_0(parts),
        GgmlType.Q4_K => new PackedQ4_K(parts),
        GgmlType.Q6_K => new PackedQ6_K(parts),
        _ => throw new ArgumentException($"{parts[0].Type} has no packed layout", nameof(parts)),
    };

    /// <summary>Float weights copied into the interleaved layout, or null.</summary>
    public InterleavedFloatMatrix? Interleaved { get; }

    /// <summary>True when the weights were copied or repacked out of the file: its pages behind them can be dropped.</summary>
    public bool OwnsCopy => Packed is not null || Interleaved is not null;

    public void Dispose()
    {
        Packed?.Dispose();
        Interleaved?.Dispose();
    }

    public override string ToString() => Packed is null ? Name : $"{Name} (packed {string.Join("+", Parts.Select(p => p.Type).Distinct())})";
}
