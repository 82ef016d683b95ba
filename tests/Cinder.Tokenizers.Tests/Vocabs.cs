using System.Collections.Concurrent;
using Cinder.TestSupport;

namespace Cinder.Tokenizers.Tests;

/// <summary>The ten tokenizer vocabularies of ../shared/vocab (llama.cpp's test suite), loaded once per test run.</summary>
internal static class Vocabs
{
    public static readonly string[] Names =
    [
        "llama-spm", "phi-3", "gpt-2", "falcon", "mpt", "starcoder", "refact", "deepseek-llm", "deepseek-coder", "bert-bge",
    ];

    public static TheoryData<string> All => [.. Names];

    private static readonly ConcurrentDictionary<string, Tokenizer> Loaded = new();

    public static string Path(string name) => SharedData.Vocab($"ggml-vocab-{name}.gguf");

    public static Tokenizer Load(string name) => Loaded.GetOrAdd(name, n => TokenizerFactory.FromGguf(Path(n)));

    public static LlamaVocabOracle Oracle(string name) => LlamaVocabOracle.For(Path(name));

    /// <summary>The test strings and expected ids of <c>NAME.gguf.inp</c> / <c>.out</c>: tokenized without BOS, special tokens parsed.</summary>
    public static List<(string Text, int[] Ids)> Vectors(string name)
    {
        var path = Path(name);
        var inputs = File.ReadAllText(SharedData.Vocab($"ggml-vocab-{name}.gguf.inp"))
            .Split("\n__ggml_vocab_test__\n");
        // the file ends with a separator line; the last split element is what follows it (empty)
        if (inputs.Length > 0 && inputs[^1].Length == 0) inputs = inputs[..^1];
        var outputs = File.ReadAllLines(SharedData.Vocab($"ggml-vocab-{name}.gguf.out"));
        Assert.True(inputs.Length == outputs.Length, $"{path}: {inputs.Length} inputs but {outputs.Length} outputs");
        return inputs.Select((text, i) => (text, outputs[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }
}
