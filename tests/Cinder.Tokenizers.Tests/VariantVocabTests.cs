using Cinder.Gguf;
using Cinder.TestSupport;

namespace Cinder.Tokenizers.Tests;

/// <summary>
/// Pre-tokenizers and flags that none of the ten vocabularies uses (Llama 3, Qwen2, flags such as add_eos_token,
/// add_space_prefix, the WordPiece normaliser switches), checked against llama.cpp on copies of the shared
/// vocabularies with the metadata changed. Both sides read the same file.
/// </summary>
public sealed class VariantVocabTests : IClassFixture<VariantVocabTests.Files>
{
    private readonly Files _files;

    public VariantVocabTests(Files files) => _files = files;

    public static TheoryData<string> Variants => [.. Files.Definitions.Keys];

    [Theory]
    [MemberData(nameof(Variants))]
    public void RandomStringsGiveLlamaCppIds(string variant)
    {
        var path = _files.Path(variant);
        var tokenizer = TokenizerFactory.FromGguf(path);
        var oracle = LlamaVocabOracle.For(path);
        Assert.Equal(oracle.AddBos, tokenizer.AddBos);
        Assert.Equal(oracle.AddEos, tokenizer.AddEos);
        var random = new RandomText(seed: 4321 + variant.Length, tokenizer);
        var failures = new List<string>();
        for (int i = 0; i < 150; i++)
        {
            var text = random.Next();
            foreach (var (addSpecial, parseSpecial) in new[] { (i % 2 == 0, true), (i % 2 == 1, false) })
            {
                var expected = oracle.Tokenize(text, addSpecial, parseSpecial);
                var actual = tokenizer.Encode(text, addSpecial, parseSpecial);
                if (!actual.AsSpan().SequenceEqual(expected) && failures.Count < 10)
                    failures.Add($"{VocabVectorTests.Show(text)} add={addSpecial} parse={parseSpecial}:\n  llama.cpp [{string.Join(' ', expected)}]\n  cinder    [{string.Join(' ', actual)}]");
                if (i % 10 == 0)
                {
                    var bytes = oracle.Detokenize(expected, removeSpecial: true, unparseSpecial: false);
                    if (!tokenizer.DecodeBytes(expected, removeSpecial: true, renderSpecial: false).AsSpan().SequenceEqual(bytes) && failures.Count < 10)
                        failures.Add($"decode [{string.Join(' ', expected)}]");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{variant}:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void Llama3AndQwen2GroupDigitsDifferently()
    {
        // Expected pieces follow from the regexes alone (\p{N}{1,3} vs \p{N}); GPT-2 has the merges for these digit groups.
        var llama3 = TokenizerFactory.FromGguf(_files.Path("gpt-2 as llama-bpe"));
        var qwen2 = TokenizerFactory.FromGguf(_files.Path("gpt-2 as qwen2"));
        string Pieces(Tokenizer t, string s) => string.Join("|", t.Encode(s, addSpecial: false).Select(id => t.TokenPiece(id)));
        Assert.Equal("123|456|7", Pieces(llama3, "1234567"));
        Assert.Equal("1|2|3|4|5|6|7", Pieces(qwen2, "1234567"));
    }

    /// <summary>Writes the variant files once for the test class (a temporary folder, removed afterwards).</summary>
    public sealed class Files : IDisposable
    {
        internal static readonly Dictionary<string, (string Source, (string Key, GgufValue? Value)[] Changes)> Definitions = new()
        {
            ["gpt-2 as llama-bpe"] = ("gpt-2", [("tokenizer.ggml.pre", GgufValue.String("llama-bpe"))]),
            ["gpt-2 as qwen2"] = ("gpt-2", [("tokenizer.ggml.pre", GgufValue.String("qwen2"))]),
            ["gpt-2 as default"] = ("gpt-2", [("tokenizer.ggml.pre", GgufValue.String("default"))]),
            ["gpt-2 without pre"] = ("gpt-2", [("tokenizer.ggml.pre", null), ("tokenizer.ggml.add_eos_token", GgufValue.Bool(true))]),
            ["gpt-2 as deepseek-llm"] = ("gpt-2", [("tokenizer.ggml.pre", GgufValue.String("deepseek-llm"))]),
            ["gpt-2 as deepseek-coder"] = ("gpt-2", [("tokenizer.ggml.pre", GgufValue.String("deepseek-coder"))]),
            ["deepseek-llm as falcon"] = ("deepseek-llm", [("tokenizer.ggml.pre", GgufValue.String("falcon"))]),
            ["deepseek-llm as llama3"] = ("deepseek-llm", [("tokenizer.ggml.pre", GgufValue.String("llama3"))]),
            ["llama-spm without space prefix, with eos"] = ("llama-spm",
                [("tokenizer.ggml.add_space_prefix", GgufValue.Bool(false)), ("tokenizer.ggml.add_eos_token", GgufValue.Bool(true))]),
            ["phi-3 without bos"] = ("phi-3", [("tokenizer.ggml.add_bos_token", GgufValue.Bool(false))]),
            ["bert-bge cased"] = ("bert-bge", [("tokenizer.ggml.normalizer.lowercase", GgufValue.Bool(false))]),
            ["bert-bge lower-case, accents kept"] = ("bert-bge",
                [("tokenizer.ggml.normalizer.lowercase", GgufValue.Bool(true)), ("tokenizer.ggml.normalizer.strip_accents", GgufValue.Bool(false))]),
        };

        private readonly string _directory = SharedData.NewTempDirectory("cinder-tokenizer-variants");

        public Files()
        {
            foreach (var (name, (source, changes)) in Definitions)
            {
                using var file = GgufFile.Open(Vocabs.Path(source));
                var writer = new GgufWriter();
                foreach (var (key, value) in file.Metadata.Entries) writer.Set(key, value);
                foreach (var (key, value) in changes)
                {
                    if (value is null) writer.Remove(key);
                    else writer.Set(key, value);
                }
                writer.Write(Path(name));
            }
        }

        public string Path(string variant) => System.IO.Path.Combine(_directory, variant.Replace(' ', '_').Replace(',', '_') + ".gguf");

        public void Dispose()
        {
            try { Directory.Delete(_directory, recursive: true); }
            catch (IOException) { } // the oracle may still map a file; the OS temp cleaner removes it later
        }
    }
}
