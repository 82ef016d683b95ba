using Cinder.Core;

namespace Cinder.Gguf;

/// <summary>
/// A tensor as described in the file header. <see cref="Shape"/> is in ggml order: Shape[0] is the
/// innermost (row) length, so a 2-D weight of Shape [in, out] holds out rows of in elements.
/// </summary>
public sealed class GgufTensorInfo
{
    public GgufTensorInfo(string name, GgmlType type, long[] shape, long relativeOffset, long dataOffset, long byteSize)
    {
        Name = name;
        Type = type;
        Shape = shape;
        RelativeOffset = relativeOffset;
        DataOffset = dataOffset;
        ByteSize = byteSize;
    }

    public string Name { get; }
    public GgmlType Type { get; }

    /// <summary>Dimensions, innermost first (ggml's ne[]).</summary>
    public long[] Shape { get; }

    /// <summary>Offset from the start of the data section, as stored in the file.</summary>
    public long RelativeOffset { get; }

    /// <summary>Absolute offset of the first byte in the file.</summary>
    public long DataOffset { get; }

    public long ByteSize { get; }

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>Length of one row (Shape[0]).</summary>
    public long RowLength => Shape[0];

    /// <summary>Number of rows: the product of every dimension after the first.</summary>
    public long RowCount => ElementCount / Shape[0];

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Shape)}]";
}
