using System.Text;
using Cinder.Core;

namespace Cinder.Gguf;

/// <summary>
/// A parsed GGUF file (versions 2 and 3): metadata, tensor infos and memory-mapped tensor data.
/// Every count, length and offset read from the file is checked against <see cref="GgufLimits"/> and
/// against the bytes actually present, so a corrupt file fails with a <see cref="GgufFormatException"/>
/// and never makes the reader allocate more than the file's size.
/// </summary>
/// <remarks>Tensor data stays in the mapping: keep this object alive while any span or pointer into it is in use.</remarks>
public sealed unsafe class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Alignment of the data section and of each tensor when general.alignment is absent.</summary>
    public const int DefaultAlignment = 32;

    private readonly MappedMemory _memory;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(MappedMemory memory, string? path, uint version, GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        _memory = memory;
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
        _tensorsByName = tensors.ToDictionary(t => t.Name);
    }

    public string? Path { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public int Alignment { get; }

    /// <summary>Absolute offset of the data section.</summary>
    public long DataOffset { get; }

    public long FileSize => _memory.Length;

    /// <summary>The mapping behind the tensor data.</summary>
    public MappedMemory Memory => _memory;

    /// <summary>Opens and parses <paramref name="path"/>; tensor data is mapped, not read.</summary>
    public static GgufFile Open(string path, GgufLimits? limits = null)
    {
        var memory = MappedMemory.Open(path);
        try
        {
            return Parse(memory, path, limits ?? GgufLimits.Default);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>Parses GGUF bytes held in memory (pinned for the lifetime of the result).</summary>
    public static GgufFile FromBytes(byte[] bytes, GgufLimits? limits = null)
    {
        var memory = MappedMemory.FromBytes(bytes);
        try
        {
            return Parse(memory, null, limits ?? GgufLimits.Default);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) => _tensorsByName.TryGetValue(name, out tensor!);

    public GgufTensorInfo GetTensor(string name) =>
        _tensorsByName.TryGetValue(name, out var t) ? t : throw new ModelFormatException($"tensor '{name}' is missing from the model file");

    /// <summary>Address of the tensor's first byte inside the mapping.</summary>
    public byte* GetPointer(GgufTensorInfo tensor) => _memory.Pointer + tensor.DataOffset;

    /// <summary>The tensor's bytes. Tensors over 2 GiB need <see cref="GetPointer"/>.</summary>
    public ReadOnlySpan<byte> GetData(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue) throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.ByteSize} bytes; use GetPointer for tensors over 2 GiB");
        return new ReadOnlySpan<byte>(GetPointer(tensor), (int)tensor.ByteSize);
    }

    /// <summary>Asks for transparent huge pages over the data section (see <see cref="MappedMemory.AdviseHugePages"/>).</summary>
    public bool AdviseHugePages() => _memory.AdviseHugePages(DataOffset, FileSize - DataOffset);

    public void Dispose() => _memory.Dispose();

    private static GgufFile Parse(MappedMemory memory, string? path, GgufLimits limits)
    {
        var r = new Reader(memory.Pointer, memory.Length, limits);
        if (memory.Length < 4) throw new GgufFormatException(null, 0, $"file is {memory.Length} bytes, too short to be GGUF (needs at least a 24-byte header)");
        uint magic = r.U32("magic");
        if (magic != Magic)
            throw new GgufFormatException("magic", 0, $"not a GGUF file: starts with 0x{magic:X8}, expected \"GGUF\" (0x{Magic:X8})");
        uint version = r.U32("version");
        if (version is 1) throw new GgufFormatException("version", 4, "GGUF version 1 is not supported (only 2 and 3)");
        if (version is not (2 or 3))
        {
            string hint = (version & 0xFFFF) == 0 && (version >> 16) != 0 ? " (a big-endian file?)" : "";
            throw new GgufFormatException("version", 4, $"unsupported GGUF version {version}{hint}; supported: 2 and 3");
        }
        long tensorCount = r.Count("tensor_count", limits.MaxTensorCount, minBytesEach: 8 + 4 + 4 + 8 + 4 + 8);
        long kvCount = r.Count("kv_count", limits.MaxKeyValueCount, minBytesEach: 8 + 4 + 1);

        var entries = new List<KeyValuePair<string, GgufValue>>(); // no capacity from the file: items are charged as read
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            long at = r.Position;
            string key = r.String($"metadata key #{i}", limits.MaxKeyBytes);
            r.Charge(96, key); // list and dictionary entries
            if (!seen.Add(key)) throw new GgufFormatException(key, at, "duplicate metadata key");
            var type = r.ValueType(key);
            var value = r.Value(key, type, depth: 0);
            entries.Add(new(key, value));
        }
        var metadata = new GgufMetadata(entries);

        int alignment = DefaultAlignment;
        if (metadata.TryGet("general.alignment", out var alignValue))
        {
            if (alignValue.Type != GgufValueType.UInt32)
                throw new GgufFormatException("general.alignment", 0, $"must be a u32, found {alignValue.Describe()}");
            uint a = (uint)alignValue.Raw;
            if (a == 0 || (a & (a - 1)) != 0 || a > limits.MaxAlignment)
                throw new GgufFormatException("general.alignment", 0, $"alignment {a} must be a power of two between 1 and {limits.MaxAlignment}");
            alignment = (int)a;
        }

        var raw = new List<(string Name, GgmlType Type, long[] Shape, long Offset, long Size, long At)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            long at = r.Position;
            string name = r.String($"tensor #{i} name", limits.MaxTensorNameBytes);
            if (!names.Add(name)) throw new GgufFormatException(name, at, "duplicate tensor name");
            r.Charge(160, name); // the tensor info, its shape array and its dictionary entry
            uint nDims = r.U32(name);
            if (nDims == 0 || nDims > limits.MaxDimensions)
                throw new GgufFormatException(name, r.Position - 4, $"tensor has {nDims} dimensions; must be 1 to {limits.MaxDimensions}");
            var shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                ulong dim = r.U64(name);
                if (dim == 0 || dim > long.MaxValue)
                    throw new GgufFormatException(name, r.Position - 8, $"dimension {d} is {dim}; must be between 1 and {long.MaxValue}");
                shape[d] = (long)dim;
                try { elements = checked(elements * shape[d]); }
                catch (OverflowException) { throw new GgufFormatException(name, r.Position - 8, "element count overflows 64 bits"); }
            }
            uint typeId = r.U32(name);
            if (!GgmlTypeInfo.TryGet((GgmlType)typeId, out var info))
                throw new GgufFormatException(name, r.Position - 4, $"unknown tensor type {typeId}");
            if (shape[0] % info.BlockSize != 0)
                throw new GgufFormatException(name, r.Position - 4, $"row length {shape[0]} is not a multiple of the {info.Name} block size {info.BlockSize}");
            ulong offset = r.U64(name);
            if (offset > long.MaxValue || (long)offset % alignment != 0)
                throw new GgufFormatException(name, r.Position - 8, $"data offset {offset} is not a multiple of the alignment {alignment}");
            long size;
            try { size = checked(elements / info.BlockSize * info.TypeSize); }
            catch (OverflowException) { throw new GgufFormatException(name, at, "byte size overflows 64 bits"); }
            raw.Add((name, (GgmlType)typeId, shape, (long)offset, size, at));
        }

        long dataOffset = AlignUp(r.Position, alignment);
        if (tensorCount > 0 && dataOffset > memory.Length)
            throw new GgufFormatException("data section", r.Position, $"data section would start at {dataOffset}, past the end of the {memory.Length}-byte file");
        long dataLength = memory.Length - Math.Min(dataOffset, memory.Length);
        var tensors = new List<GgufTensorInfo>(raw.Count); // raw.Count items were read and charged already
        foreach (var t in raw)
        {
            if (t.Offset > dataLength || t.Size > dataLength - t.Offset)
                throw new GgufFormatException(t.Name, t.At, $"data [{t.Offset}, {t.Offset}+{t.Size}) lies outside the {dataLength}-byte data section");
            tensors.Add(new GgufTensorInfo(t.Name, t.Type, t.Shape, t.Offset, dataOffset + t.Offset, t.Size));
        }
        // Overlapping tensors are legal in principle (ggml never writes them) and harmless for reading, so they are not rejected.
        return new GgufFile(memory, path, version, metadata, tensors, alignment, dataOffset);
    }

    internal static long AlignUp(long value, long alignment) => checked((value + alignment - 1) / alignment * alignment);

    /// <summary>A bounds-checked cursor over the mapped bytes.</summary>
    private ref struct Reader
    {
        private readonly byte* _base;
        private readonly long _length;
        private readonly GgufLimits _limits;
        private long _budget;
        private const long MinimumBudget = 64 << 10;

        public Reader(byte* p, long length, GgufLimits limits)
        {
            _base = p;
            _length = length;
            _limits = limits;
            // Tiny files get a small floor so that ordinary small headers are never refused for bookkeeping overhead.
            _budget = Math.Max(length, MinimumBudget);
            Position = 0;
        }

        /// <summary>
        /// Charges the managed memory about to be allocated against the file's size: whatever a file claims,
        /// reading its header never takes more memory than the file itself.
        /// </summary>
        public void Charge(long bytes, string subject)
        {
            _budget -= bytes;
            if (_budget < 0)
                throw new GgufFormatException(subject, Position, $"the header would need more memory than the file's {_length} bytes (too many or too small items)");
        }

        public long Position;

        private readonly long Remaining => _length - Position;

        private void Need(long bytes, string subject)
        {
            if (bytes > Remaining)
                throw new GgufFormatException(subject, Position, $"unexpected end of file: {bytes} bytes needed, {Remaining} left");
        }

        private T Read<T>(string subject) where T : unmanaged
        {
            Need(sizeof(T), subject);
            T v = *(T*)(_base + Position); // GGUF is little-endian, as is every platform Cinder targets.
            Position += sizeof(T);
            return v;
        }

        public uint U32(string subject) => Read<uint>(subject);
        public ulong U64(string subject) => Read<ulong>(subject);

        /// <summary>A 64-bit count, checked against a limit and against the bytes its items need at minimum.</summary>
        public long Count(string subject, long limit, long minBytesEach)
        {
            long at = Position;
            ulong n = U64(subject);
            if (n > (ulong)limit) throw new GgufFormatException(subject, at, $"count {n} exceeds the limit of {limit}");
            if ((long)n * minBytesEach > Remaining)
                throw new GgufFormatException(subject, at, $"count {n} needs at least {(long)n * minBytesEach} bytes but only {Remaining} remain");
            return (long)n;
        }

        public GgufValueType ValueType(string subject)
        {
            long at = Position;
            uint t = U32(subject);
            if (t > (uint)GgufValueType.Float64) throw new GgufFormatException(subject, at, $"unknown value type {t}");
            return (GgufValueType)t;
        }

        /// <summary>A string decoded at once (keys and tensor names, which are short).</summary>
        public string String(string subject, long? maxBytes = null)
        {
            var span = Utf8(subject, maxBytes);
            Charge(32 + 2L * span.Length, subject);
            // Invalid UTF-8 is replaced (U+FFFD) rather than rejected, as llama.cpp keeps such bytes too.
            return Encoding.UTF8.GetString(span);
        }

        private ReadOnlySpan<byte> Utf8(string subject, long? maxBytes = null)
        {
            long at = Position;
            ulong n = U64(subject);
            long limit = maxBytes ?? _limits.MaxStringBytes;
            if (n > (ulong)limit) throw new GgufFormatException(subject, at, $"string length {n} exceeds the limit of {limit} bytes");
            Need((long)n, subject);
            var span = new ReadOnlySpan<byte>(_base + Position, (int)n);
            Position += (long)n;
            return span;
        }

        private GgufValue StringValue(string key)
        {
            var span = Utf8(key);
            Charge(64 + span.Length, key);
            return GgufValue.Utf8String(span.ToArray());
        }

        public GgufValue Value(string key, GgufValueType type, int depth)
        {
            Charge(48, key); // the GgufValue and its box
            return type switch
        {
            GgufValueType.UInt8 => GgufValue.UInt8(Read<byte>(key)),
            GgufValueType.Int8 => GgufValue.Int8(Read<sbyte>(key)),
            GgufValueType.UInt16 => GgufValue.UInt16(Read<ushort>(key)),
            GgufValueType.Int16 => GgufValue.Int16(Read<short>(key)),
            GgufValueType.UInt32 => GgufValue.UInt32(Read<uint>(key)),
            GgufValueType.Int32 => GgufValue.Int32(Read<int>(key)),
            GgufValueType.Float32 => GgufValue.Float32(Read<float>(key)),
            GgufValueType.Bool => GgufValue.Bool(Bool(key)),
            GgufValueType.String => StringValue(key),
            GgufValueType.UInt64 => GgufValue.UInt64(Read<ulong>(key)),
            GgufValueType.Int64 => GgufValue.Int64(Read<long>(key)),
            GgufValueType.Float64 => GgufValue.Float64(Read<double>(key)),
            GgufValueType.Array => Array(key, depth),
            _ => throw new GgufFormatException(key, Position, $"unknown value type {(uint)type}"),
        };
        }

        private bool Bool(string key)
        {
            long at = Position;
            byte b = Read<byte>(key);
            if (b > 1) throw new GgufFormatException(key, at, $"bool value {b} is neither 0 nor 1");
            return b == 1;
        }

        private GgufValue Array(string key, int depth)
        {
            if (depth >= _limits.MaxArrayDepth)
                throw new GgufFormatException(key, Position, $"arrays nested deeper than {_limits.MaxArrayDepth} levels");
            var elementType = ValueType(key);
            long minEach = elementType switch
            {
                GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
                GgufValueType.UInt16 or GgufValueType.Int16 => 2,
                GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
                GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
                _ => 12, // a nested array: element type + count
            };
            int n = (int)Count(key, _limits.MaxArrayLength, minEach);
            switch (elementType)
            {
                case GgufValueType.UInt8: return GgufValue.Array(Block<byte>(key, n));
                case GgufValueType.Int8: return GgufValue.Array(Block<sbyte>(key, n));
                case GgufValueType.UInt16: return GgufValue.Array(Block<ushort>(key, n));
                case GgufValueType.Int16: return GgufValue.Array(Block<short>(key, n));
                case GgufValueType.UInt32: return GgufValue.Array(Block<uint>(key, n));
                case GgufValueType.Int32: return GgufValue.Array(Block<int>(key, n));
                case GgufValueType.Float32: return GgufValue.Array(Block<float>(key, n));
                case GgufValueType.UInt64: return GgufValue.Array(Block<ulong>(key, n));
                case GgufValueType.Int64: return GgufValue.Array(Block<long>(key, n));
                case GgufValueType.Float64: return GgufValue.Array(Block<double>(key, n));
                case GgufValueType.Bool:
                    {
                        Charge(32 + n, key);
                        var a = new bool[n];
                        for (int i = 0; i < n; i++) a[i] = Bool(key);
                        return GgufValue.Array(a);
                    }
                case GgufValueType.String:
                    {
                        // Two passes: validate and size first, so the blob is allocated once at its exact size.
                        long start = Position;
                        long total = 0;
                        for (int i = 0; i < n; i++) total += Utf8(key).Length;
                        if (total > int.MaxValue) throw new GgufFormatException(key, start, $"string array holds {total} bytes; the limit is {int.MaxValue}");
                        Charge(64 + 4L * n + total, key);
                        Position = start;
                        var blob = new byte[total];
                        var ends = new int[n];
                        int at = 0;
                        for (int i = 0; i < n; i++)
                        {
                            var s = Utf8(key);
                            s.CopyTo(blob.AsSpan(at));
                            at += s.Length;
                            ends[i] = at;
                        }
                        return GgufValue.Utf8StringArray(new Utf8StringArray(blob, ends));
                    }
                default:
                    {
                        Charge(32 + 8L * n, key);
                        var a = new GgufValue[n];
                        for (int i = 0; i < n; i++)
                        {
                            Charge(48, key);
                            a[i] = Array(key, depth + 1);
                        }
                        return GgufValue.Array(a);
                    }
            }
        }

        private T[] Block<T>(string key, int n) where T : unmanaged
        {
            long bytes = (long)n * sizeof(T);
            Need(bytes, key);
            Charge(32 + bytes, key);
            var a = new ReadOnlySpan<T>(_base + Position, n).ToArray();
            Position += bytes;
            return a;
        }
    }
}
