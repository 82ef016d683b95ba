using LLama;
using LLama.Common;
using LLama.Native;
using System.Runtime.InteropServices;

namespace Cinder.TestSupport;

/// <summary>
/// llama.cpp (through LLamaSharp) as the oracle: quantization, tokenization, logits and greedy ids for a
/// model file. Calls are serialised: the native library is shared by the whole test process.
/// </summary>
public static class LlamaCpp
{
    private static readonly object Gate = new();
    private static bool _loaded;

    private static void EnsureLoaded()
    {
        if (_loaded) return;
        // Loading the library picks the CPU variant (avx512/avx2/...) and, with a log callback, keeps its chatter off the test output.
        NativeLibraryConfig.All.WithLogCallback((level, message) => { });
        NativeApi.llama_empty_call();
        _loaded = true;
    }

    /// <summary>
    /// llama.cpp's own quantization of <paramref name="input"/>, as the llama-quantize tool runs it without an imatrix:
    /// requantizing allowed and, by default, the output tensor quantized too (llama-quantize's default; only its
    /// --leave-output-tensor flag turns that off). Any file type llama.cpp knows works, BF16 included.
    /// </summary>
    public static void Quantize(string input, string output, LLamaFtype type, int threads = 2, bool quantizeOutputTensor = true)
    {
        if (!TryQuantize(input, output, type, threads, quantizeOutputTensor))
            throw new InvalidOperationException($"llama.cpp failed to quantize {input} to {type}");
    }

    /// <summary>As <see cref="Quantize"/>, returning false where llama.cpp refuses (llama_model_quantize returned non-zero).</summary>
    public static bool TryQuantize(string input, string output, LLamaFtype type, int threads = 2, bool quantizeOutputTensor = true)
    {
        lock (Gate)
        {
            EnsureLoaded();
            // LLamaQuantizer.Quantize rejects some file types (BF16) before llama.cpp sees them, so call llama.cpp directly.
            var p = LLamaModelQuantizeParams.Default();
            p.nthread = threads;
            p.ftype = type;
            p.allow_requantize = true;
            p.quantize_output_tensor = quantizeOutputTensor;
            return NativeApi.llama_model_quantize(input, output, ref p) == 0;
        }
    }

    /// <summary>Token ids as llama.cpp's tokenizer gives them.</summary>
    public static int[] Tokenize(string modelPath, string text, bool addBos, bool parseSpecial)
    {
        lock (Gate)
        {
            EnsureLoaded();
            var p = new ModelParams(modelPath) { VocabOnly = true, GpuLayerCount = 0 };
            using var weights = LLamaWeights.LoadFromFile(p);
            return weights.NativeHandle.Tokenize(text, addBos, parseSpecial, System.Text.Encoding.UTF8).Select(t => (int)t).ToArray();
        }
    }

    /// <summary>The raw logits after each of <paramref name="positions"/> (indices into <paramref name="tokens"/>), from one batch over all tokens.</summary>
    public static float[][] Logits(string modelPath, int[] tokens, int[] positions, int threads = 2)
    {
        lock (Gate)
        {
            EnsureLoaded();
            using var session = new Session(modelPath, threads, Math.Max(tokens.Length, 8));
            return session.Eval(tokens, positions);
        }
    }

    /// <summary>The raw logits at the last position of <paramref name="tokens"/>.</summary>
    public static float[] LastLogits(string modelPath, int[] tokens, int threads = 2) =>
        Logits(modelPath, tokens, new[] { tokens.Length - 1 }, threads)[0];

    /// <summary>The raw logits at the last position with context parameters changed by <paramref name="configure"/>.</summary>
    public static float[] LastLogitsWith(string modelPath, int[] tokens, Action<ModelParams> configure, int threads = 2)
    {
        lock (Gate)
        {
            EnsureLoaded();
            using var session = new Session(modelPath, threads, Math.Max(tokens.Length, 8), configure);
            return session.Eval(tokens, new[] { tokens.Length - 1 })[0];
        }
    }

    /// <summary>The raw logits at the last position of each prompt, each evaluated from an empty context, loading the model once.</summary>
    public static float[][] LastLogits(string modelPath, IReadOnlyList<int[]> prompts, int threads = 2)
    {
        lock (Gate)
        {
            EnsureLoaded();
            using var session = new Session(modelPath, threads, Math.Max(prompts.Max(p => p.Length), 8));
            var results = new float[prompts.Count][];
            for (int i = 0; i < prompts.Count; i++)
            {
                session.Reset();
                results[i] = session.Eval(prompts[i], new[] { prompts[i].Length - 1 })[0];
            }
            return results;
        }
    }

    /// <summary>Greedy generation (argmax of the logits, end-of-sequence not treated as a stop), as the golden files were made.</summary>
    public static int[] Greedy(string modelPath, int[] prompt, int count, int threads = 2)
    {
        lock (Gate)
        {
            EnsureLoaded();
            using var session = new Session(modelPath, threads, prompt.Length + count);
            var ids = new int[count];
            var logits = session.Eval(prompt, new[] { prompt.Length - 1 })[0];
            for (int i = 0; i < count; i++)
            {
                ids[i] = ArgMax(logits);
                if (i + 1 < count) logits = session.Eval(new[] { ids[i] }, new[] { 0 })[0];
            }
            return ids;
        }
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    // ---- ggml's own quantization routines (libggml-base, shipped by LLamaSharp.Backend.Cpu) ----
    // Types are passed as an enum whose names and numbers are ggml's (Cinder.Core.GgmlType); this project does not
    // reference Cinder so that the oracle stays independent of the code it checks.

    private static nint _ggmlBase;

    /// <summary>ggml_row_size: bytes of a row of <paramref name="elements"/> elements of <paramref name="ggmlType"/>.</summary>
    public static unsafe long GgmlRowSize(Enum ggmlType, long elements)
    {
        var f = (delegate* unmanaged<int, long, nuint>)GgmlExport("ggml_row_size");
        return (long)f(Convert.ToInt32(ggmlType), elements);
    }

    /// <summary>
    /// ggml_quantize_chunk without an importance matrix, which is what llama-quantize runs for every tensor: for the
    /// block formats that is quantize_row_*_ref, for F16/BF16 the row conversions. Returns rows * row size bytes.
    /// </summary>
    public static unsafe byte[] GgmlQuantize(Enum ggmlType, ReadOnlySpan<float> data, int rows, int rowLength)
    {
        if ((long)rows * rowLength != data.Length) throw new ArgumentException($"{rows} rows of {rowLength} need {(long)rows * rowLength} floats, got {data.Length}");
        var f = (delegate* unmanaged<int, float*, void*, long, long, long, float*, nuint>)GgmlExport("ggml_quantize_chunk");
        var result = new byte[GgmlRowSize(ggmlType, rowLength) * rows];
        fixed (float* src = data)
        fixed (byte* dst = result)
        {
            nuint written = f(Convert.ToInt32(ggmlType), src, dst, 0, rows, rowLength, null);
            if ((long)written != result.Length) throw new InvalidOperationException($"ggml_quantize_chunk wrote {written} bytes, expected {result.Length}");
        }
        return result;
    }

    /// <summary>quantize_row_{type}_ref on one row, for the activation formats ggml_quantize_chunk does not take (Q8_1, Q8_K).</summary>
    public static unsafe byte[] GgmlQuantizeRowReference(Enum ggmlType, ReadOnlySpan<float> data)
    {
        var f = (delegate* unmanaged<float*, void*, long, void>)GgmlExport($"quantize_row_{GgmlName(ggmlType)}_ref");
        var result = new byte[GgmlRowSize(ggmlType, data.Length)];
        fixed (float* src = data)
        fixed (byte* dst = result) f(src, dst, data.Length);
        return result;
    }

    /// <summary>ggml's conversion of <paramref name="elements"/> elements of <paramref name="ggmlType"/> to F32 (dequantize_row_*, ggml_fp16_to_fp32_row, ggml_bf16_to_fp32_row).</summary>
    public static unsafe float[] GgmlDequantize(Enum ggmlType, ReadOnlySpan<byte> data, int elements)
    {
        string name = GgmlName(ggmlType);
        string export = name switch
        {
            "f16" => "ggml_fp16_to_fp32_row",
            "bf16" => "ggml_bf16_to_fp32_row",
            _ => $"dequantize_row_{name}",
        };
        if (data.Length != GgmlRowSize(ggmlType, elements)) throw new ArgumentException($"{elements} {name} elements take {GgmlRowSize(ggmlType, elements)} bytes, got {data.Length}");
        var f = (delegate* unmanaged<void*, float*, long, void>)GgmlExport(export);
        var result = new float[elements];
        fixed (byte* src = data)
        fixed (float* dst = result) f(src, dst, elements);
        return result;
    }

    /// <summary>ggml_fp32_to_fp16_row: FP32 to FP16 bits as ggml rounds them.</summary>
    public static unsafe ushort[] GgmlFp32ToFp16(ReadOnlySpan<float> data)
    {
        var f = (delegate* unmanaged<float*, ushort*, long, void>)GgmlExport("ggml_fp32_to_fp16_row");
        var result = new ushort[data.Length];
        fixed (float* src = data)
        fixed (ushort* dst = result) f(src, dst, data.Length);
        return result;
    }

    /// <summary>ggml_fp32_to_bf16_row_ref: FP32 to BF16 bits as ggml rounds them.</summary>
    public static unsafe ushort[] GgmlFp32ToBf16(ReadOnlySpan<float> data)
    {
        var f = (delegate* unmanaged<float*, ushort*, long, void>)GgmlExport("ggml_fp32_to_bf16_row_ref");
        var result = new ushort[data.Length];
        fixed (float* src = data)
        fixed (ushort* dst = result) f(src, dst, data.Length);
        return result;
    }

    /// <summary>ggml's type name: lower case but for the K of the K-quants (q4_K).</summary>
    private static string GgmlName(Enum ggmlType)
    {
        string name = ggmlType.ToString().ToLowerInvariant();
        return name.EndsWith("_k", StringComparison.Ordinal) ? name[..^1] + "K" : name;
    }

    private static nint GgmlExport(string name)
    {
        lock (Gate)
        {
            EnsureLoaded();
            if (_ggmlBase == 0) _ggmlBase = LoadGgmlBase();
        }
        return NativeLibrary.GetExport(_ggmlBase, name);
    }

    /// <summary>The libggml-base that LLamaSharp loaded with libllama, from the CPU-variant folder it picked.</summary>
    private static nint LoadGgmlBase()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.EndsWith("/libggml-base.so", StringComparison.Ordinal)) return NativeLibrary.Load(line[slash..]);
            }
        }
        string soname = OperatingSystem.IsWindows() ? "ggml-base.dll" : OperatingSystem.IsMacOS() ? "libggml-base.dylib" : "libggml-base.so";
        if (NativeLibrary.TryLoad(soname, out var handle)) return handle;
        throw new InvalidOperationException($"llama.cpp is loaded but its {soname} was not found among the loaded libraries");
    }

    /// <summary>One model and context, fed incrementally.</summary>
    private sealed class Session : IDisposable
    {
        private readonly LLamaWeights _weights;
        private readonly LLamaContext _context;
        private int _position;

        public Session(string modelPath, int threads, int tokensNeeded, Action<ModelParams>? configure = null)
        {
            var p = new ModelParams(modelPath)
            {
                ContextSize = (uint)Math.Max(tokensNeeded, 16),
                BatchSize = (uint)Math.Max(tokensNeeded, 16),
                UBatchSize = (uint)Math.Max(tokensNeeded, 16),
                GpuLayerCount = 0,
                Threads = threads,
                BatchThreads = threads,
            };
            configure?.Invoke(p);
            _weights = LLamaWeights.LoadFromFile(p);
            _context = _weights.CreateContext(p);
        }

        /// <summary>Forgets every position: the next Eval starts a new sequence.</summary>
        public void Reset()
        {
            _context.NativeHandle.MemoryClear();
            _position = 0;
        }

        public float[][] Eval(int[] tokens, int[] outputs)
        {
            var batch = new LLamaBatch();
            for (int i = 0; i < tokens.Length; i++)
                batch.Add((LLamaToken)tokens[i], _position + i, (LLamaSeqId)0, Array.IndexOf(outputs, i) >= 0);
            var result = _context.NativeHandle.Decode(batch);
            if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}");
            _position += tokens.Length;
            // llama_get_logits_ith takes the index of the token within the batch.
            return outputs.Select(o => _context.NativeHandle.GetLogitsIth(o).ToArray()).ToArray();
        }

        public void Dispose()
        {
            _context.Dispose();
            _weights.Dispose();
        }
    }
}
