using Cinder.Core;
using Cinder.Gguf;
using Cinder.TestSupport;

namespace Cinder.Models.Tests.Quantization;

/// <summary>
/// A small llama-shaped F32 model whose rows are multiples of 256 (so every K-quant applies without fallbacks),
/// with stories260K's tokenizer and random weights. Written with <see cref="GgufWriter"/> in stories260K's tensor order,
/// which is not llama.cpp's, so the quantizer's reordering is exercised too. Without <c>outputTensor</c> the token
/// embedding doubles as the output projection (tied embeddings).
/// </summary>
internal static class SyntheticModel
{
    public static void Write(string path, int dim = 256, int ffn = 512, int layers = 2, int heads = 4, int kvHeads = 2, int seed = 1, bool zeros = false, bool outputTensor = true)
    {
        using var stories = GgufFile.Open(SharedData.Stories260K);
        var writer = new GgufWriter();
        foreach (var (key, value) in stories.Metadata.Entries) writer.Set(key, value);
        writer.Set("general.name", GgufValue.String("synthetic"));
        writer.Set("llama.embedding_length", GgufValue.UInt32((uint)dim));
        writer.Set("llama.feed_forward_length", GgufValue.UInt32((uint)ffn));
        writer.Set("llama.block_count", GgufValue.UInt32((uint)layers));
        writer.Set("llama.attention.head_count", GgufValue.UInt32((uint)heads));
        writer.Set("llama.attention.head_count_kv", GgufValue.UInt32((uint)kvHeads));
        writer.Set("llama.rope.dimension_count", GgufValue.UInt32((uint)(dim / heads)));
        writer.Set("general.file_type", GgufValue.UInt32(0));

        int vocab = stories.GetTensor("token_embd.weight").Shape[1] is var v ? (int)v : 0;
        int kvDim = dim / heads * kvHeads;
        var rng = new Random(seed);
        float matrixScale = 1f / MathF.Sqrt(dim);

        void Add(string name, float scale, params long[] shape)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new float[n];
            if (!zeros)
            {
                for (long i = 0; i < n; i++) data[i] = scale < 0 ? 1f + 0.1f * Gaussian(rng) : scale * Gaussian(rng);
            }
            var bytes = new byte[n * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            writer.AddTensor(name, GgmlType.F32, shape, bytes);
        }

        Add("token_embd.weight", 1f, dim, vocab);
        Add("output_norm.weight", -1, dim);
        if (outputTensor) Add("output.weight", matrixScale, dim, vocab);
        for (int l = 0; l < layers; l++)
        {
            Add($"blk.{l}.attn_q.weight", matrixScale, dim, dim);
            Add($"blk.{l}.attn_k.weight", matrixScale, dim, kvDim);
            Add($"blk.{l}.attn_v.weight", matrixScale, dim, kvDim);
            Add($"blk.{l}.attn_output.weight", matrixScale, dim, dim);
            Add($"blk.{l}.attn_norm.weight", -1, dim);
            Add($"blk.{l}.ffn_gate.weight", matrixScale, dim, ffn);
            Add($"blk.{l}.ffn_down.weight", 1f / MathF.Sqrt(ffn), ffn, dim);
            Add($"blk.{l}.ffn_up.weight", matrixScale, dim, ffn);
            Add($"blk.{l}.ffn_norm.weight", -1, dim);
        }
        writer.Write(path);
    }

    private static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
