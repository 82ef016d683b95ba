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

    public static TheoryData<string> Variants =>
        [.. Files.Definitions.Keys, .. Files.PairVocabularyPreTokenizers.Select(Files.PairVariant), .. Files.PairVocabularyPreTokenizers.Select(Files.SentinelVariant)];

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

    public static TheoryData<string> SentinelVariants => [.. Files.PairVocabularyPreTokenizers.Select(Files.SentinelVariant)];

    [Theory]
    [MemberData(nameof(SentinelVariants))]
    public void CharacterClassEdgesGiveLlamaCppIds(string variant)
    {
        // Code points at the edges of the hand-written character classes, alone and between letters, digits and spaces.
        // The singletons (U+1FBE, U+2126, U+212A ...) are the ones a text pipeline that normalises would silently replace.
        int[] edges =
        [
            0x00B5, 0x00C0, 0x00D6, 0x00D7, 0x00F7, 0x01BA, 0x01BB, 0x0293, 0x0294, 0x1F5F, 0x1F7D, 0x1F7E, 0x1FBE, 0x1FBF, 0x1FD3, 0x1FDB,
            0x2126, 0x2127, 0x212A, 0x212D, 0x2183, 0x2185, 0xAB70, 0xFB06, 0xFF21, 0xFF5A, 0xFF5B, 0x10400, 0x1044F, 0x1E943, 0x1E944,
            0x0800, 0x4E00, 0x9FA5, 0x9FA6, 0xAC00, 0xD7A3, 0xD7FF, 0xFF01, 0xFF0F, 0xFF10, 0xFF1A, 0xFF5E, 0x2018, 0x201F, 0x3000, 0x3002,
            0x3003, 0x00A0, 0x0085, 0x0660, 0x2460, 0x1D7CE,
        ];
        var tokenizer = TokenizerFactory.FromGguf(_files.Path(variant));
        var oracle = LlamaVocabOracle.For(_files.Path(variant));
        var failures = new List<string>();
        foreach (int cp in edges)
        {
            var c = char.ConvertFromUtf32(cp);
            foreach (var text in new[] { c, "a" + c + "z", " a" + c + "z ", "a " + c + " z", "a1" + c + "2z", "a" + c + c + "z", "a!" + c + "?z", "a\t" + c + "z",
                         "\u00E9" + c + "\u00E9", " \u00E9" + c + "\u00E9 ", "\u00E9 " + c + "\u00E9", "\u00E91" + c + "\u00E9", "\u00E9\u3000" + c + "\u00E9" })
            {
                var expected = oracle.Tokenize(text, addSpecial: false, parseSpecial: false);
                var actual = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);
                if (!actual.AsSpan().SequenceEqual(expected)) failures.Add($"U+{cp:X4} in {VocabVectorTests.Show(text)}: llama.cpp [{string.Join(' ', expected)}] cinder [{string.Join(' ', actual)}]");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
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

        /// <summary>
        /// Pre-tokenizers run on synthetic vocabularies that make word boundaries visible in the ids, even around
        /// characters no real vocabulary has merges for (merges never cross a word boundary): a "pair vocabulary" (the
        /// 256 byte characters plus every two-byte pair, merged in shuffled order) and a "sentinel vocabulary" where
        /// 'a' (and 'é') merges with whatever byte follows it and any byte merges with a following 'z' (and 'é'), so in
        /// "a" + c + "z" or "é" + c + "é" each side shows whether c was split off.
        /// </summary>
        internal static readonly string[] PairVocabularyPreTokenizers =
            ["default", "gpt-2", "llama-bpe", "qwen2", "falcon", "starcoder", "deepseek-llm", "deepseek-coder"];

        private readonly string _directory = SharedData.NewTempDirectory("cinder-tokenizer-variants");

        public Files()
        {
            WritePairVocabularies();
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

        private void WritePairVocabularies()
        {
            var byteChars = Enumerable.Range(0, 256).Select(b => ByteChar(b)).ToArray();
            var pairs = byteChars.SelectMany(a => byteChars.Select(b => (a, b))).ToArray();
            new Random(11).Shuffle(pairs);
            // sentinels: 'a', and the last byte of 'é' (C3 A9), merge with any byte after them; any byte merges with a
            // following 'z' or first byte of 'é'
            string e0 = ByteChar(0xC3), e1 = ByteChar(0xA9);
            var sentinels = byteChars.Select(b => ("a", b)).Concat(byteChars.Select(b => (e1, b)))
                .Concat(byteChars.Select(b => (b, "z"))).Concat(byteChars.Select(b => (b, e0))).Distinct().ToArray();
            using var gpt2 = GgufFile.Open(Vocabs.Path("gpt-2"));
            foreach (var pre in PairVocabularyPreTokenizers)
            {
                foreach (var (variant, merged) in new[] { (PairVariant(pre), pairs), (SentinelVariant(pre), sentinels) })
                {
                    string[] tokens = [.. byteChars, .. merged.Select(p => p.Item1 + p.Item2).Except(byteChars)];
                    string[] merges = [.. merged.Select(p => p.Item1 + " " + p.Item2)];
                    var writer = new GgufWriter();
                    foreach (var (key, value) in gpt2.Metadata.Entries)
                        if (!key.StartsWith("tokenizer.", StringComparison.Ordinal)) writer.Set(key, value);
                    writer.Set("tokenizer.ggml.model", GgufValue.String("gpt2"));
                    writer.Set("tokenizer.ggml.pre", GgufValue.String(pre));
                    writer.Set("tokenizer.ggml.tokens", GgufValue.Array(tokens.Distinct().ToArray()));
                    writer.Set("tokenizer.ggml.merges", GgufValue.Array(merges));
                    writer.Set("tokenizer.ggml.add_bos_token", GgufValue.Bool(false));
                    writer.Write(Path(variant));
                }
            }
        }

        internal static string SentinelVariant(string pre) => $"sentinels as {pre}";

        internal static string PairVariant(string pre) => $"pairs as {pre}";

        // GPT-2's byte-to-character map, written out independently of the code under test
        private static string ByteChar(int b)
        {
            if (b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF) return ((char)b).ToString();
            int n = Enumerable.Range(0, b).Count(x => !(x is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF));
            return ((char)(256 + n)).ToString();
        }

        public string Path(string variant) => System.IO.Path.Combine(_directory, variant.Replace(' ', '_').Replace(',', '_') + ".gguf");

        public void Dispose()
        {
            try { Directory.Delete(_directory, recursive: true); }
            catch (IOException) { } // the oracle may still map a file; the OS temp cleaner removes it later
        }
    }
}
