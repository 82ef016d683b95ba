namespace Cinder.Cli.Tests;

/// <summary>
/// What ../shared/README.md says stories260K.gguf is (llama, dim 64, 5 layers, 8 heads, 4 KV heads, ffn 172,
/// vocab 512, F32), turned into the 48 tensors llama.cpp's llama2c converter writes, in ggml order (row length first).
/// </summary>
internal static class StoriesModel
{
    public const int Dim = 64, Layers = 5, Heads = 8, KvHeads = 4, Ffn = 172, Vocab = 512, Context = 128;
    public const int KvDim = Dim / Heads * KvHeads;

    public static IReadOnlyList<(string Name, long[] Shape)> Tensors { get; } = Build();

    private static List<(string, long[])> Build()
    {
        var t = new List<(string, long[])>
        {
            ("token_embd.weight", [Dim, Vocab]),
            ("output_norm.weight", [Dim]),
            ("output.weight", [Dim, Vocab]),
        };
        for (int i = 0; i < Layers; i++)
        {
            t.Add(($"blk.{i}.attn_q.weight", [Dim, Dim]));
            t.Add(($"blk.{i}.attn_k.weight", [Dim, KvDim]));
            t.Add(($"blk.{i}.attn_v.weight", [Dim, KvDim]));
            t.Add(($"blk.{i}.attn_output.weight", [Dim, Dim]));
            t.Add(($"blk.{i}.attn_norm.weight", [Dim]));
            t.Add(($"blk.{i}.ffn_gate.weight", [Dim, Ffn]));
            t.Add(($"blk.{i}.ffn_down.weight", [Ffn, Dim]));
            t.Add(($"blk.{i}.ffn_up.weight", [Dim, Ffn]));
            t.Add(($"blk.{i}.ffn_norm.weight", [Dim]));
        }
        return t;
    }
}
