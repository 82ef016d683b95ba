using LLama;
using LLama.Common;
using LLama.Native;

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

    /// <summary>llama.cpp's own quantization of <paramref name="input"/> (llama-quantize without imatrix).</summary>
    public static void Quantize(string input, string output, LLamaFtype type, int threads = 2)
    {
        lock (Gate)
        {
            EnsureLoaded();
            if (!LLamaQuantizer.Quantize(input, output, type, threads, allowRequantize: true, quantizeOutputTensor: false))
                throw new InvalidOperationException($"llama.cpp failed to quantize {input} to {type}");
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
