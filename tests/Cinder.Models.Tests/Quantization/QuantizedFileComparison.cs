using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Models.Tests.Quantization;

/// <summary>Tensor-by-tensor comparison of two quantized GGUF files (Cinder's and llama.cpp's).</summary>
internal sealed class QuantizedFileComparison
{
    public List<string> TypeMismatches { get; } = new();
    public Dictionary<GgmlType, (long Same, long Total)> Blocks { get; } = new();
    public List<string> DifferentTensors { get; } = new();

    public static QuantizedFileComparison Compare(GgufFile cinder, GgufFile llama)
    {
        var result = new QuantizedFileComparison();
        Assert.Equal(llama.Tensors.Select(t => t.Name), cinder.Tensors.Select(t => t.Name)); // same tensors, same (llama.cpp's) order
        foreach (var expected in llama.Tensors)
        {
            var actual = cinder.GetTensor(expected.Name);
            Assert.Equal(expected.Shape, actual.Shape);
            if (expected.Type != actual.Type)
            {
                result.TypeMismatches.Add($"{expected.Name}: llama.cpp {expected.Type}, Cinder {actual.Type}");
                continue;
            }
            var info = GgmlTypeInfo.Get(expected.Type);
            var a = llama.GetData(expected);
            var b = cinder.GetData(actual);
            long blocks = a.Length / info.TypeSize, same = 0;
            for (long i = 0; i < blocks; i++)
            {
                if (a.Slice((int)(i * info.TypeSize), info.TypeSize).SequenceEqual(b.Slice((int)(i * info.TypeSize), info.TypeSize))) same++;
            }
            var (s, t) = result.Blocks.GetValueOrDefault(expected.Type);
            result.Blocks[expected.Type] = (s + same, t + blocks);
            if (same != blocks) result.DifferentTensors.Add($"{expected.Name} ({expected.Type}): {blocks - same} of {blocks} blocks differ");
        }
        return result;
    }

    public string Describe() => string.Join(", ", Blocks.OrderBy(b => b.Key).Select(b => $"{b.Key} {b.Value.Same}/{b.Value.Total} blocks identical"));
}
