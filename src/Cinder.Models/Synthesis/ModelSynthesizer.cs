using Cinder.Core;
using Cinder.Gguf;
using Cinder.Kernels.Formats;
using Cinder.Models.Quantization;

namespace Cinder.Models.Synthesis;

/// <summary>
/// Writes a LLaMA model with random weights at a real shape: the speed work measures on these, since no
/// real checkpoint can be downloaded here. Weights are uniform with the standard deviation of GPT-2's
/// initialisation (0.02), norms near 1, so activations stay finite through every layer. The tokenizer
/// metadata comes from a real vocabulary file so prompts tokenize as they would for a real model.
/// </summary>
public static class ModelSynthesizer
{
    /// <summary>Standard deviation of every weight matrix.</summary>
    public const float WeightStd = 0.02f;

    /// <summary>Writes the model.</summary>
    /// <param name="outputPath">Where to write the GGUF file.</param>
    /// <param name="shape">Hyper-parameters.</param>
    /// <param name="vocabulary">Metadata of a GGUF file whose tokenizer.* keys are copied.</param>
    /// <param name="seed">Same seed, same weights, whatever the thread count.</param>
    /// <param name="target">The weight types, chosen per tensor as <c>cinder quantize</c> (and llama-quantize) would; null for F32.</param>
    /// <param name="progress">Called after each tensor with (done, total, name).</param>
    public static void Write(string outputPath, ModelShape shape, GgufMetadata vocabulary, ulong seed, QuantizationTarget? target, Action<int, int, string>? progress = null)
    {
        var tokens = vocabulary.GetArray<string>("tokenizer.ggml.tokens");
        int vocab = tokens.Length;
        var w = new GgufWriter();
        w.Set("general.architecture", GgufValue.String("llama"));
        w.Set("general.name", GgufValue.String($"synthetic {shape.Name} (random weights)"));
        w.Set("general.file_type", GgufValue.UInt32(target is { } q ? (uint)QuantizationTargets.FileType(q) : (uint)LlamaFileType.AllF32));
        w.Set("llama.context_length", GgufValue.UInt32((uint)shape.ContextLength));
        w.Set("llama.embedding_length", GgufValue.UInt32((uint)shape.Dim));
        w.Set("llama.block_count", GgufValue.UInt32((uint)shape.Layers));
        w.Set("llama.feed_forward_length", GgufValue.UInt32((uint)shape.Ffn));
        w.Set("llama.attention.head_count", GgufValue.UInt32((uint)shape.Heads));
        w.Set("llama.attention.head_count_kv", GgufValue.UInt32((uint)shape.KvHeads));
        w.Set("llama.rope.dimension_count", GgufValue.UInt32((uint)shape.HeadDim));
        w.Set("llama.rope.freq_base", GgufValue.Float32(10000f));
        w.Set("llama.attention.layer_norm_rms_epsilon", GgufValue.Float32(1e-5f));
        w.Set("llama.vocab_size", GgufValue.UInt32((uint)vocab));
        foreach (var (key, value) in vocabulary.Entries)
        {
            if (key.StartsWith("tokenizer.", StringComparison.Ordinal)) w.Set(key, value);
        }

        var plan = Plan(shape, vocab);
        var types = ChooseTypes(plan, new GgufMetadata(w.Metadata), target);
        int done = 0;
        foreach (var t in plan)
        {
            var tensor = t;
            var type = types[t.Name];
            w.AddTensor(t.Name, type, t.Shape, stream =>
            {
                WriteTensor(stream, tensor, type, seed);
                progress?.Invoke(++done, plan.Count, tensor.Name);
            });
        }
        w.Write(outputPath);
    }

    /// <summary>One tensor to generate: its name, ggml shape (row length first) and how its values are drawn.</summary>
    public sealed record PlannedTensor(string Name, long[] Shape, bool IsNorm);

    /// <summary>Every tensor of the model, in llama.cpp's order.</summary>
    public static IReadOnlyList<PlannedTensor> Plan(ModelShape s, int vocab)
    {
        var list = new List<PlannedTensor>
        {
            new("token_embd.weight", new long[] { s.Dim, vocab }, false),
        };
        for (int i = 0; i < s.Layers; i++)
        {
            list.Add(new($"blk.{i}.attn_norm.weight", new long[] { s.Dim }, true));
            list.Add(new($"blk.{i}.attn_q.weight", new long[] { s.Dim, s.Dim }, false));
            list.Add(new($"blk.{i}.attn_k.weight", new long[] { s.Dim, s.KvDim }, false));
            list.Add(new($"blk.{i}.attn_v.weight", new long[] { s.Dim, s.KvDim }, false));
            list.Add(new($"blk.{i}.attn_output.weight", new long[] { s.Dim, s.Dim }, false));
            list.Add(new($"blk.{i}.ffn_norm.weight", new long[] { s.Dim }, true));
            list.Add(new($"blk.{i}.ffn_gate.weight", new long[] { s.Dim, s.Ffn }, false));
            list.Add(new($"blk.{i}.ffn_down.weight", new long[] { s.Ffn, s.Dim }, false));
            list.Add(new($"blk.{i}.ffn_up.weight", new long[] { s.Dim, s.Ffn }, false));
        }
        list.Add(new("output_norm.weight", new long[] { s.Dim }, true));
        list.Add(new("output.weight", new long[] { s.Dim, vocab }, false));
        return list;
    }

    /// <summary>Each tensor's type for the target, by the quantizer's rules (visited in llama.cpp's order, as those rules count layers).</summary>
    private static Dictionary<string, GgmlType> ChooseTypes(IReadOnlyList<PlannedTensor> plan, GgufMetadata metadata, QuantizationTarget? target)
    {
        if (target is not { } t) return plan.ToDictionary(p => p.Name, _ => GgmlType.F32);
        var infos = plan.Select(p => new GgufTensorInfo(p.Name, GgmlType.F32, p.Shape, 0, 0, GgufWriter.ByteSize(GgmlType.F32, p.Shape))).ToList();
        var selector = new TensorTypeSelector(metadata, infos, t);
        return TensorTypeSelector.Order(infos).ToDictionary(i => i.Name, i => selector.Choose(i).TargetType);
    }

    private static void WriteTensor(Stream stream, PlannedTensor t, GgmlType type, ulong seed)
    {
        int rowLength = (int)t.Shape[0];
        long rows = t.Shape.Length > 1 ? t.Shape[1] : 1;
        int rowBytes = (int)GgmlTypeInfo.Get(type).RowBytes(rowLength);
        // Rows are generated in parallel chunks, each from its own stream of random numbers, then written in order.
        const int chunkRows = 64;
        long chunks = (rows + chunkRows - 1) / chunkRows;
        ulong tensorSeed = Mix(seed ^ StableHash(t.Name));
        var buffers = new byte[Math.Min(chunks, 8)][];
        for (long first = 0; first < chunks; first += buffers.Length)
        {
            int batch = (int)Math.Min(buffers.Length, chunks - first);
            Parallel.For(0, batch, b =>
            {
                long chunk = first + b;
                long row0 = chunk * chunkRows;
                int n = (int)Math.Min(chunkRows, rows - row0);
                var bytes = buffers[b] ??= new byte[checked(chunkRows * rowBytes)];
                var values = new float[rowLength];
                var rng = new Xoshiro256(Mix(tensorSeed + (ulong)chunk));
                for (int r = 0; r < n; r++)
                {
                    if (t.IsNorm) rng.Fill(values, 1f, 0.1f);
                    else rng.Fill(values, 0f, WeightStd);
                    TensorFormat.QuantizeRow(type, values, bytes.AsSpan(r * rowBytes, rowBytes));
                }
            });
            for (int b = 0; b < batch; b++)
            {
                long row0 = (first + b) * chunkRows;
                int n = (int)Math.Min(chunkRows, rows - row0);
                stream.Write(buffers[b], 0, n * rowBytes);
            }
        }
    }

    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL; // FNV-1a: string.GetHashCode is randomised per process
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>xoshiro256**: fast and good enough for weights; seeded through SplitMix64.</summary>
    private struct Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;

        public Xoshiro256(ulong seed)
        {
            _s0 = Mix(seed);
            _s1 = Mix(_s0);
            _s2 = Mix(_s1);
            _s3 = Mix(_s2);
        }

        private ulong Next()
        {
            ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>Uniform values with the given mean and standard deviation (half-width sqrt(3)·std).</summary>
        public void Fill(Span<float> values, float mean, float std)
        {
            float halfWidth = std * MathF.Sqrt(3f);
            const float scale = 1f / (1 << 24);
            for (int i = 0; i < values.Length; i++)
            {
                float u = (Next() >> 40) * scale; // [0, 1)
                values[i] = mean + (2f * u - 1f) * halfWidth;
            }
        }
    }
}
