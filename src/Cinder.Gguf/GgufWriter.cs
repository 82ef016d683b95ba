using System.Text;
using Cinder.Core;

namespace Cinder.Gguf;

/// <summary>
/// Writes GGUF version 3: header, metadata in insertion order, tensor infos, then each tensor's data
/// aligned to <see cref="Alignment"/>. Tensor data is produced on demand while writing, so a model larger
/// than memory can be written tensor by tensor.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = new();
    private readonly List<PendingTensor> _tensors = new();

    /// <param name="alignment">Data alignment; written as general.alignment when not the default 32.</param>
    public GgufWriter(int alignment = GgufFile.DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) throw new ArgumentException("alignment must be a power of two", nameof(alignment));
        Alignment = alignment;
        if (alignment != GgufFile.DefaultAlignment) Set("general.alignment", GgufValue.UInt32((uint)alignment));
    }

    public int Alignment { get; }

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => _metadata;

    /// <summary>Sets a key, replacing an earlier value in place (order is kept).</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        if (key == "general.alignment" && (value.Type != GgufValueType.UInt32 || (uint)value.Raw != Alignment))
            throw new ArgumentException($"general.alignment is fixed by the writer's alignment ({Alignment})", nameof(value));
        int i = _metadata.FindIndex(e => e.Key == key);
        if (i >= 0) _metadata[i] = new(key, value);
        else _metadata.Add(new(key, value));
        return this;
    }

    public bool Remove(string key) => _metadata.RemoveAll(e => e.Key == key) > 0;

    /// <summary>Adds a tensor whose bytes are already in memory.</summary>
    public void AddTensor(string name, GgmlType type, long[] shape, ReadOnlyMemory<byte> data)
    {
        long size = ByteSize(type, shape);
        if (data.Length != size) throw new ArgumentException($"tensor '{name}' needs {size} bytes, got {data.Length}", nameof(data));
        AddTensor(name, type, shape, s => s.Write(data.Span));
    }

    /// <summary>Adds a tensor whose bytes are written by <paramref name="writeData"/> when the file is written (exactly the tensor's byte size).</summary>
    public void AddTensor(string name, GgmlType type, long[] shape, Action<Stream> writeData)
    {
        if (shape.Length is 0 or > 4) throw new ArgumentException("a tensor has 1 to 4 dimensions", nameof(shape));
        if (_tensors.Exists(t => t.Name == name)) throw new ArgumentException($"duplicate tensor '{name}'", nameof(name));
        _tensors.Add(new PendingTensor(name, type, (long[])shape.Clone(), ByteSize(type, shape), writeData));
    }

    public static long ByteSize(GgmlType type, long[] shape)
    {
        var info = GgmlTypeInfo.Get(type);
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return info.RowBytes(n);
    }

    public void Write(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(file);
    }

    public void Write(Stream output)
    {
        var w = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFile.Magic);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value);
        }
        long offset = 0;
        var offsets = new long[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            offsets[i] = offset;
            WriteString(w, t.Name);
            w.Write((uint)t.Shape.Length);
            foreach (var d in t.Shape) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = GgufFile.AlignUp(offset + t.Size, Alignment);
        }
        w.Flush();
        // Track the position ourselves: the stream may not be seekable.
        long headerLength = HeaderLength();
        Pad(output, GgufFile.AlignUp(headerLength, Alignment) - headerLength);
        long written = 0;
        for (int i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            Pad(output, offsets[i] - written);
            var counting = new CountingStream(output);
            t.WriteData(counting);
            if (counting.Count != t.Size)
                throw new InvalidOperationException($"tensor '{t.Name}' wrote {counting.Count} bytes, expected {t.Size}");
            written = offsets[i] + t.Size;
        }
        output.Flush();
    }

    private long HeaderLength()
    {
        long n = 4 + 4 + 8 + 8;
        foreach (var (key, value) in _metadata) n += 8 + Encoding.UTF8.GetByteCount(key) + 4 + ValueLength(value);
        foreach (var t in _tensors) n += 8 + Encoding.UTF8.GetByteCount(t.Name) + 4 + 8L * t.Shape.Length + 4 + 8;
        return n;
    }

    private static long ValueLength(GgufValue v) => v.Type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        GgufValueType.String => 8 + Encoding.UTF8.GetByteCount((string)v.Raw),
        GgufValueType.Array => 4 + 8 + v.Raw switch
        {
            string[] s => s.Sum(x => 8L + Encoding.UTF8.GetByteCount(x)),
            GgufValue[] a => a.Sum(ValueLength),
            bool[] b => b.Length,
            Array a => (long)a.Length * System.Runtime.InteropServices.Marshal.SizeOf(a.GetType().GetElementType()!),
            _ => throw new InvalidOperationException(),
        },
        _ => throw new InvalidOperationException($"unknown value type {v.Type}"),
    };

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v)
    {
        switch (v.Type)
        {
            case GgufValueType.UInt8: w.Write((byte)v.Raw); break;
            case GgufValueType.Int8: w.Write((sbyte)v.Raw); break;
            case GgufValueType.UInt16: w.Write((ushort)v.Raw); break;
            case GgufValueType.Int16: w.Write((short)v.Raw); break;
            case GgufValueType.UInt32: w.Write((uint)v.Raw); break;
            case GgufValueType.Int32: w.Write((int)v.Raw); break;
            case GgufValueType.Float32: w.Write((float)v.Raw); break;
            case GgufValueType.Bool: w.Write((bool)v.Raw ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)v.Raw); break;
            case GgufValueType.UInt64: w.Write((ulong)v.Raw); break;
            case GgufValueType.Int64: w.Write((long)v.Raw); break;
            case GgufValueType.Float64: w.Write((double)v.Raw); break;
            case GgufValueType.Array:
                w.Write((uint)v.ElementType);
                w.Write((ulong)v.Count);
                switch (v.Raw)
                {
                    case string[] s: foreach (var x in s) WriteString(w, x); break;
                    case GgufValue[] a: foreach (var x in a) { w.Write((uint)x.ElementType); w.Write((ulong)x.Count); WriteArrayBody(w, x); } break;
                    default: WriteArrayBody(w, v); break;
                }
                break;
            default: throw new InvalidOperationException($"unknown value type {v.Type}");
        }
    }

    private static void WriteArrayBody(BinaryWriter w, GgufValue v)
    {
        switch (v.Raw)
        {
            case byte[] a: w.Write(a); break;
            case sbyte[] a: foreach (var x in a) w.Write(x); break;
            case ushort[] a: foreach (var x in a) w.Write(x); break;
            case short[] a: foreach (var x in a) w.Write(x); break;
            case uint[] a: foreach (var x in a) w.Write(x); break;
            case int[] a: foreach (var x in a) w.Write(x); break;
            case float[] a: foreach (var x in a) w.Write(x); break;
            case bool[] a: foreach (var x in a) w.Write(x ? (byte)1 : (byte)0); break;
            case ulong[] a: foreach (var x in a) w.Write(x); break;
            case long[] a: foreach (var x in a) w.Write(x); break;
            case double[] a: foreach (var x in a) w.Write(x); break;
            case string[] a: foreach (var x in a) WriteString(w, x); break;
            case GgufValue[] a: foreach (var x in a) { w.Write((uint)x.ElementType); w.Write((ulong)x.Count); WriteArrayBody(w, x); } break;
            default: throw new InvalidOperationException("unknown array element type");
        }
    }

    private static void Pad(Stream s, long n)
    {
        if (n < 0) throw new InvalidOperationException("tensor layout went backwards");
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        while (n > 0)
        {
            int k = (int)Math.Min(n, zeros.Length);
            s.Write(zeros[..k]);
            n -= k;
        }
    }

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Shape, long Size, Action<Stream> WriteData);

    /// <summary>Counts what a tensor writer produces so a wrong size is caught at once.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Count += buffer.Length;
        }
    }
}
