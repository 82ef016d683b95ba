using Cinder.Core;

namespace Cinder.Kernels.Gemm;

/// <summary>
/// Packed matrices of different types but one activation format stacked row-wise, as one product: Q and K in
/// Q4_K with V in Q6_K, which is how Q4_K_M files mix them in half the layers. Groups of eight rows are numbered
/// through the parts in order, so the workers split them as for one matrix and each group runs its part's kernels.
/// </summary>
internal sealed unsafe class PackedStack : PackedMatrix
{
    private readonly PackedMatrix[] _parts;
    private readonly int[] _firstGroup; // group index of each part's first group; one more entry: the total

    /// <param name="parts">Packed matrices of equal width and activation format; the stack owns them from now on.</param>
    public PackedStack(IReadOnlyList<PackedMatrix> parts)
        : base(string.Join("+", parts.Select(p => p.Name)), parts[0].Type, parts.Sum(p => p.Rows), parts[0].Columns, parts[0].BlockLength)
    {
        foreach (var p in parts)
        {
            if (p.Columns != Columns || p.ActivationFormat != parts[0].ActivationFormat)
                throw new ArgumentException($"{p.Name} ({p.Type}, {p.Columns} columns, {p.ActivationFormat} activations) cannot be stacked with {parts[0].Name} ({parts[0].Type}, {Columns} columns, {parts[0].ActivationFormat} activations)", nameof(parts));
        }
        _parts = parts.ToArray();
        _firstGroup = new int[_parts.Length + 1];
        for (int i = 0; i < _parts.Length; i++) _firstGroup[i + 1] = _firstGroup[i] + _parts[i].Groups;
    }

    /// <summary>The parts, in stacking order.</summary>
    public IReadOnlyList<PackedMatrix> Parts => _parts;

    public override ActivationFormat ActivationFormat => _parts[0].ActivationFormat;

    public override long Bytes => _parts.Sum(p => p.Bytes);

    public override void Multiply(QuantizedActivations activations, float* y, int yStride, int groupStart, int groupEnd, int tokens, KernelIsa isa)
    {
        for (int i = 0; i < _parts.Length; i++)
        {
            int first = Math.Max(groupStart, _firstGroup[i]);
            int last = Math.Min(groupEnd, _firstGroup[i + 1]);
            if (first < last) _parts[i].Multiply(activations, y + _firstGroup[i] * 8, yStride, first - _firstGroup[i], last - _firstGroup[i], tokens, isa);
        }
    }

    private protected override void DisposeCore()
    {
        foreach (var p in _parts) p.Dispose();
    }
}
