using System.Text;
using Cinder.Gguf;
using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// `cinder tokenize -m MODEL (-p TEXT | -f FILE) [--ids] [--no-bos] [--no-parse-special]`, with llama-tokenize's
/// meaning: llama.cpp's test vectors (../shared/vocab/*.inp / .out: no BOS, special tokens parsed) and llama.cpp
/// itself are the oracles.
/// </summary>
public class TokenizeTests(TempDirectory temp) : IClassFixture<TempDirectory>
{
    /// <summary>A few vectors per tokenizer kind: SentencePiece, byte-level BPE with several pre-tokenizers, WordPiece.</summary>
    public static TheoryData<string, int> Vectors => new()
    {
        { "llama-spm", 0 },  // "ied 4 ½ months"
        { "llama-spm", 2 },  // the empty string: no tokens
        { "llama-spm", 6 },  // "\t"
        { "llama-spm", 18 }, // " this is 🦙.cpp": byte fallback
        { "llama-spm", 28 }, // "    Hello\n    Hello"
        { "phi-3", 22 },     // emojis, zero-width joiner
        { "gpt-2", 9 },      // "\n\n\n"
        { "gpt-2", 32 },     // mixed scripts
        { "deepseek-coder", 32 },
        { "falcon", 45 },    // whitespace runs and emojis
        { "bert-bge", 20 },  // Cyrillic
        { "bert-bge", 33 },  // "!!!!!!"
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void IdsOfAFileWithoutBosAreTheTestVectors(string vocab, int index)
    {
        var (text, expected) = Vector(vocab, index);
        string file = temp.File($"{vocab}-{index}.txt");
        File.WriteAllBytes(file, new UTF8Encoding(false).GetBytes(text));
        var r = CinderProcess.Run("tokenize", "-m", VocabPath(vocab), "-f", file, "--ids", "--no-bos").AssertSuccess();
        Assert.Equal(["[" + string.Join(", ", expected) + "]"], r.StdoutLines);
    }

    [Theory]
    [InlineData("llama-spm", 32)]
    [InlineData("gpt-2", 1)]
    [InlineData("bert-bge", 17)]
    public void IdsOfAPromptWithoutBosAreTheTestVectors(string vocab, int index)
    {
        var (text, expected) = Vector(vocab, index);
        var r = CinderProcess.Run("tokenize", "-m", VocabPath(vocab), "-p", text, "--ids", "--no-bos").AssertSuccess();
        Assert.Equal(["[" + string.Join(", ", expected) + "]"], r.StdoutLines);
    }

    /// <summary>Without --no-bos the vocabulary decides, as llama.cpp's add_special does: BOS for SentencePiece, [CLS] .. [SEP] for BERT, nothing for GPT-2.</summary>
    [Theory]
    [InlineData("llama-spm")]
    [InlineData("gpt-2")]
    [InlineData("bert-bge")]
    public void SpecialTokensAreAddedAsLlamaCppAddsThem(string vocab)
    {
        const string text = "Hello world, it's <s> me";
        var expected = LlamaCpp.Tokenize(VocabPath(vocab), text, addBos: true, parseSpecial: true);
        var r = CinderProcess.Run("tokenize", "-m", VocabPath(vocab), "-p", text, "--ids").AssertSuccess();
        Assert.Equal(["[" + string.Join(", ", expected) + "]"], r.StdoutLines);
    }

    [Theory]
    [InlineData("llama-spm", "<s>Hello</s> <unk>")]
    [InlineData("phi-3", "<|user|>\nHi<|end|>")]
    public void NoParseSpecialTreatsSpecialTokenTextAsText(string vocab, string text)
    {
        string path = VocabPath(vocab);
        var parsed = LlamaCpp.Tokenize(path, text, addBos: false, parseSpecial: true);
        var plain = LlamaCpp.Tokenize(path, text, addBos: false, parseSpecial: false);
        Assert.NotEqual(parsed, plain); // the case means something
        Assert.Equal($"[{string.Join(", ", parsed)}]", CinderProcess.Run("tokenize", "-m", path, "-p", text, "--ids", "--no-bos").AssertSuccess().StdoutLines.Single());
        Assert.Equal($"[{string.Join(", ", plain)}]", CinderProcess.Run("tokenize", "-m", path, "-p", text, "--ids", "--no-bos", "--no-parse-special").AssertSuccess().StdoutLines.Single());
    }

    /// <summary>As llama-tokenize, a prompt's \n, \t, \\ ... are escapes; --no-escape takes them literally. A file is never unescaped.</summary>
    [Fact]
    public void PromptEscapesAreProcessedLikeLlamaTokenize()
    {
        string path = VocabPath("llama-spm");
        const string typed = @"Hello\nworld\t\\x";
        var escaped = LlamaCpp.Tokenize(path, "Hello\nworld\t\\x", addBos: false, parseSpecial: true);
        var literal = LlamaCpp.Tokenize(path, typed, addBos: false, parseSpecial: true);
        Assert.Equal($"[{string.Join(", ", escaped)}]", CinderProcess.Run("tokenize", "-m", path, "-p", typed, "--ids", "--no-bos").AssertSuccess().StdoutLines.Single());
        Assert.Equal($"[{string.Join(", ", literal)}]", CinderProcess.Run("tokenize", "-m", path, "-p", typed, "--ids", "--no-bos", "--no-escape").AssertSuccess().StdoutLines.Single());
        string file = temp.File("escapes.txt");
        File.WriteAllText(file, typed);
        Assert.Equal($"[{string.Join(", ", literal)}]", CinderProcess.Run("tokenize", "-m", path, "-f", file, "--ids", "--no-bos").AssertSuccess().StdoutLines.Single());
    }

    /// <summary>The default output is llama-tokenize's: one "%6d -> 'piece'" line per token, BOS included.</summary>
    [Fact]
    public void DefaultOutputIsOneIdAndPieceLinePerToken()
    {
        // .out line 11 of llama-spm: "Hello world" -> 15043 3186, the tokens "▁Hello" and "▁world", whose pieces
        // (▁ is a space) llama.cpp prints; the vocabulary adds BOS (1, "<s>").
        using (var vocab = GgufFile.Open(VocabPath("llama-spm")))
        {
            var tokens = vocab.Metadata.GetArray<string>("tokenizer.ggml.tokens");
            Assert.Equal(("<s>", "▁Hello", "▁world"), (tokens[1], tokens[15043], tokens[3186]));
        }
        var r = CinderProcess.Run("tokenize", "-m", VocabPath("llama-spm"), "-p", "Hello world").AssertSuccess();
        Assert.Equal("     1 -> '<s>'\n 15043 -> ' Hello'\n  3186 -> ' world'\n", r.Stdout);
    }

    /// <summary>Pieces are raw bytes, as llama-tokenize writes them: SentencePiece's byte tokens for 🦙 are one byte each.</summary>
    [Fact]
    public void PiecesAreWrittenAsRawBytes()
    {
        // As in .out line 18, "🦙" (F0 9F A6 99) is the byte tokens 243 162 169 156, here after the "▁" token 29871.
        Assert.Equal([29871, 243, 162, 169, 156], LlamaCpp.Tokenize(VocabPath("llama-spm"), "🦙", addBos: false, parseSpecial: true));
        var r = CinderProcess.Run("tokenize", "-m", VocabPath("llama-spm"), "-p", "🦙", "--no-bos").AssertSuccess();
        var expected = new List<byte>();
        expected.AddRange(" 29871 -> ' '\n"u8.ToArray());
        foreach (var (id, b) in new[] { (243, 0xF0), (162, 0x9F), (169, 0xA6), (156, 0x99) })
        {
            expected.AddRange(Encoding.ASCII.GetBytes($"{id,6} -> '"));
            expected.Add((byte)b);
            expected.AddRange("'\n"u8.ToArray());
        }
        Assert.Equal(expected.ToArray(), r.StdoutBytes);
    }

    [Fact]
    public void WithoutModelItUsesTheDemoModel()
    {
        var r = CinderProcess.Run("tokenize", "-p", "Once upon a time", "--ids").AssertSuccess();
        Assert.Equal("[" + string.Join(", ", Golden.Load("stories260K-1").PromptIds) + "]", r.StdoutLines.Single());
        Assert.Contains("no model given: using the demo model", r.Stderr);
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        string model = VocabPath("llama-spm");
        Assert.Contains("exactly one of --prompt", CinderProcess.Run("tokenize", "-m", model).AssertOneLineError());
        Assert.Contains("exactly one of --prompt", CinderProcess.Run("tokenize", "-m", model, "-p", "a", "-f", "b").AssertOneLineError());
        Assert.Contains("text file not found", CinderProcess.Run("tokenize", "-m", model, "-f", temp.File("missing.txt")).AssertOneLineError());
        Assert.Contains("is a directory", CinderProcess.Run("tokenize", "-m", model, "-f", temp.Path).AssertOneLineError());
        string notGguf = temp.File("not.gguf");
        File.WriteAllText(notGguf, "plain text, not a model");
        Assert.Contains("not a GGUF file", CinderProcess.Run("tokenize", "-m", notGguf, "-p", "x").AssertOneLineError());
    }

    private static string VocabPath(string name) => SharedData.Vocab($"ggml-vocab-{name}.gguf");

    /// <summary>Test string <paramref name="index"/> of NAME.gguf.inp (strings separated by "\n__ggml_vocab_test__\n") and its .out line.</summary>
    private static (string Text, int[] Ids) Vector(string vocab, int index)
    {
        var inputs = File.ReadAllText(SharedData.Vocab($"ggml-vocab-{vocab}.gguf.inp")).Split("\n__ggml_vocab_test__\n");
        var outputs = File.ReadAllLines(SharedData.Vocab($"ggml-vocab-{vocab}.gguf.out"));
        Assert.True(inputs.Length >= outputs.Length && index < outputs.Length, $"{vocab}: {inputs.Length} inputs, {outputs.Length} outputs");
        return (inputs[index], outputs[index].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray());
    }
}
