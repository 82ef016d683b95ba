using Cinder.Core;

namespace Cinder.Models.Synthesis;

/// <summary>How generated F32 tensors are stored: the type of each tensor and how a row is encoded to it.</summary>
public abstract class TensorEncoder
{
    /// <summary>llama.cpp's llama_ftype number written as general.file_type.</summary>
    public abstract uint FileType { get; }

    /// <summary>The type of a tensor, given its name, shape and the number of attn_v tensors in the model.</summary>
    public abstract GgmlType ChooseType(string name, long[] shape, int layerCount);

    /// <summary>Encodes one row of F32 values into <paramref name="destination"/> (exactly the row's byte size).</summary>
    public abstract void EncodeRow(GgmlType type, ReadOnlySpan<float> row, Span<byte> destination);
}

/// <summary>Everything kept in F32.</summary>
public sealed class F32Encoder : TensorEncoder
{
    public override uint FileType => 0;

    public override GgmlType ChooseType(string name, long[] shape, int layerCount) => GgmlType.F32;

    public override void EncodeRow(GgmlType type, ReadOnlySpan<float> row, Span<byte> destination)
    {
        if (type != GgmlType.F32) throw new UnsupportedTensorTypeException(type, "this encoder writes F32 only");
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(row).CopyTo(destination);
    }
}
