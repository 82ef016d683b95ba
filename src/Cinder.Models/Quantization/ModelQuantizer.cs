using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Gguf;
using Cinder.Kernels.Formats;

namespace Cinder.Models.Quantization;

/// <summary>
/// Rewrites a GGUF model with its weights in another format, as llama.cpp's llama-quantize does: every 2-D (or larger)
/// weight converted, 1-D tensors (norms, biases) copied as they are, all metadata copied, <c>general.file_type</c>
/// and <c>general.quantization_version</c> set, tensors written in llama.cpp's order.
/// </summary>
/// <remarks>
/// Per-tensor types follow llama.cpp's rules (see <see cref="Plan"/>). Tensors are streamed: each one is read from the
/// memory-mapped input, converted a chunk of rows at a time and written, so memory use does not grow with the model.
/// Input tensors may be F32, F16, BF16 or any format <see cref="TensorFormat"/> reads; they are dequantized to F32
/// and quantized again (llama.cpp's --allow-requantize).
/// </remarks>
public static class ModelQuantizer
{
    /// <summary>ggml's GGML_QNT_VERSION, recorded in general.quantization_version.</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>Rows are converted in chunks of about this many elements (4 MiB of F32 scratch per chunk).</summary>
    private const int ChunkElements = 1 << 20;

    private static readonly string[] DroppedKeys = ["split.no", "split.count", "split.tensors.count"];

    /// <summary>
    /// The type every tensor of <paramref name="input"/> gets for <paramref name="target"/>, as llama.cpp's
    /// llama_tensor_get_type chooses it with llama-quantize's defaults (output tensor quantized, no imatrix): e.g. the
    /// output projection becomes Q6_K unless the target is Q8_0, and Q4_K_M uses Q6_K for attn_v and ffn_down on the
    /// "use more bits" layers. A tensor whose row length is not a multiple of the chosen type's block size falls back
    /// to llama.cpp's fallback type (Q4_K to Q5_0, Q6_K to Q8_0) and otherwise to F16, with a warning naming it.
    /// </summary>
    /// <exception cref="UnsupportedTensorTypeException">A tensor must be converted but its type cannot be read.</exception>
    public static QuantizationPlan Plan(GgufFile input, QuantizationTarget target)
    {
        ArgumentNullException.ThrowIfNull(input);
        var selector = new TensorTypeSelector(input.Metadata, input.Tensors, target);
        var tensors = new List<TensorQuantization>(input.Tensors.Count);
        foreach (var tensor in TensorTypeSelector.Order(input.Tensors))
        {
            var choice = selector.Choose(tensor);
            if (!choice.IsCopy)
            {
                if (!TensorFormat.CanDequantize(choice.SourceType))
                    throw new UnsupportedTensorTypeException(choice.SourceType, "Cinder cannot read it to requantize", tensor.Name);
                if (tensor.RowLength > Array.MaxLength / sizeof(float))
                    throw new ModelFormatException($"tensor '{tensor.Name}' has rows of {tensor.RowLength} elements; at most {Array.MaxLength / sizeof(float)} can be quantized");
            }
            tensors.Add(choice);
        }
        return new QuantizationPlan(target, QuantizationTargets.FileType(target), tensors);
    }

    /// <summary>Quantizes the model at <paramref name="inputPath"/> into a new file at <paramref name="outputPath"/>.</summary>
    /// <remarks>The output is written beside the destination and renamed into place when complete, so a failure leaves no partial model.</remarks>
    /// <exception cref="ArgumentException">Input and output are the same file.</exception>
    /// <exception cref="GgufFormatException">The input is not a valid GGUF file.</exception>
    /// <exception cref="UnsupportedTensorTypeException">A tensor's type cannot be read.</exception>
    public static QuantizationResult Quantize(string inputPath, string outputPath, QuantizationTarget target, QuantizationOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        options ??= new QuantizationOptions();
        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
            throw new ArgumentException($"the output must be a new file, not the input {inputPath}", nameof(outputPath));
        int threads = Math.Max(1, options.Threads);

        using var input = GgufFile.Open(inputPath);
        var plan = Plan(input, target);
        foreach (var warning in plan.Warnings) options.Warning?.Invoke(warning);

        var writer = new GgufWriter(input.Alignment);
        foreach (var (key, value) in input.Metadata.Entries)
        {
            if (Array.IndexOf(DroppedKeys, key) < 0) writer.Set(key, value);
        }
        writer.Set("general.quantization_version", GgufValue.UInt32(QuantizationVersion));
        writer.Set("general.file_type", GgufValue.UInt32((uint)plan.FileType));

        var buffers = new Buffers();
        for (int i = 0; i < plan.Tensors.Count; i++)
        {
            var item = plan.Tensors[i];
            var source = input.GetTensor(item.Name);
            int index = i;
            writer.AddTensor(item.Name, item.TargetType, item.Shape, stream =>
            {
                options.Progress?.Invoke(new QuantizationProgress(index, plan.Tensors.Count, item.Name, item.SourceType, item.TargetType));
                WriteTensor(input, source, item.TargetType, stream, threads, buffers);
            });
        }

        string partial = outputPath + ".partial";
        try
        {
            writer.Write(partial);
            File.Move(partial, outputPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(partial); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        return new QuantizationResult(plan, input.FileSize, new FileInfo(outputPath).Length);
    }

    /// <summary>Streams one tensor to <paramref name="output"/>: copied when the type is unchanged, else converted row by row.</summary>
    private static unsafe void WriteTensor(GgufFile input, GgufTensorInfo source, GgmlType targetType, Stream output, int threads, Buffers buffers)
    {
        byte* data = input.GetPointer(source);
        if (source.Type == targetType)
        {
            for (long offset = 0; offset < source.ByteSize; offset += ChunkElements)
                output.Write(new ReadOnlySpan<byte>(data + offset, (int)Math.Min(ChunkElements, source.ByteSize - offset)));
            return;
        }

        int rowLength = checked((int)source.RowLength);
        long rows = source.RowCount;
        int sourceRowBytes = TensorFormat.RowByteCount(source.Type, rowLength);
        int targetRowBytes = TensorFormat.RowByteCount(targetType, rowLength);
        int chunkRows = (int)Math.Clamp(ChunkElements / rowLength, 1, rows);
        int workers = (int)Math.Min(threads, chunkRows);
        var buffer = buffers.Output(checked(chunkRows * targetRowBytes));
        var scratch = buffers.Rows(workers, rowLength);
        nint basePointer = (nint)data;

        for (long first = 0; first < rows; first += chunkRows)
        {
            int count = (int)Math.Min(chunkRows, rows - first);
            long firstRow = first;
            // Each worker converts a contiguous run of the chunk's rows into its own slice of the buffer.
            void Convert(int worker, int workerCount)
            {
                int begin = (int)((long)count * worker / workerCount), end = (int)((long)count * (worker + 1) / workerCount);
                var f32 = scratch[worker].AsSpan(0, rowLength);
                for (int r = begin; r < end; r++)
                {
                    var row = new ReadOnlySpan<byte>((byte*)basePointer + (firstRow + r) * sourceRowBytes, sourceRowBytes);
                    var destination = buffer.AsSpan(r * targetRowBytes, targetRowBytes);
                    if (source.Type == GgmlType.F32)
                    {
                        TensorFormat.QuantizeRow(targetType, MemoryMarshal.Cast<byte, float>(row), destination);
                    }
                    else
                    {
                        TensorFormat.DequantizeRow(source.Type, row, f32);
                        TensorFormat.QuantizeRow(targetType, f32, destination);
                    }
                }
            }
            int active = Math.Min(workers, count);
            if (active <= 1) Convert(0, 1);
            else Parallel.For(0, active, new ParallelOptions { MaxDegreeOfParallelism = active }, w => Convert(w, active));
            output.Write(buffer, 0, count * targetRowBytes);
        }
    }

    /// <summary>Conversion buffers shared by all tensors of one run, grown to the largest chunk instead of allocated per tensor.</summary>
    private sealed class Buffers
    {
        private byte[] _output = [];
        private float[][] _rows = [];

        public byte[] Output(int bytes) => _output.Length >= bytes ? _output : _output = new byte[bytes];

        public float[][] Rows(int count, int length)
        {
            if (_rows.Length < count || (count > 0 && _rows[0].Length < length))
            {
                _rows = new float[count][];
                for (int i = 0; i < count; i++) _rows[i] = new float[length];
            }
            return _rows;
        }
    }
}
