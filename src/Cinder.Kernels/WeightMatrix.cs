using Cinder.Core;

namespace Cinder.Kernels;

/// <summary>
/// A 2-D weight in ggml layout: <see cref="Rows"/> rows of <see cref="Columns"/> elements, each row stored
/// contiguously in <see cref="Type"/>'s blocks (usually memory-mapped straight from the model file).
/// Multiplying by a vector x of <see cref="Columns"/> values gives <see cref="Rows"/> outputs.
/// </summary>
public readonly unsafe struct WeightMatrix
{
    public WeightMatrix(string name, GgmlType type, byte* data, int rows, int columns)
    {
        var info = GgmlTypeInfo.Get(type);
        if (columns % info.BlockSize != 0)
            throw new UnsupportedTensorTypeException(type, $"row length {columns} is not a multiple of the block size {info.BlockSize}", name);
        Name = name;
        Type = type;
        Data = data;
        Rows = rows;
        Columns = columns;
        RowBytes = info.RowBytes(columns);
    }

    public string Name { get; }
    public GgmlType Type { get; }
    public byte* Data { get; }
    public int Rows { get; }
    public int Columns { get; }
    public long RowBytes { get; }

    public byte* Row(int row) => Data + row * RowBytes;

    public ReadOnlySpan<byte> RowSpan(int row) => new(Row(row), checked((int)RowBytes));

    public override string ToString() => $"{Name} {Type} [{Columns} x {Rows}]";
}
