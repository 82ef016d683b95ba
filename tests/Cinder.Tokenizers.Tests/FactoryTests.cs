using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Tokenizers.Tests;

public class FactoryTests
{
    private static GgufMetadata Metadata(params (string Key, GgufValue Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, GgufValue>(e.Key, e.Value)).ToList());

    private static (string, GgufValue)[] Bpe(string pre) =>
    [
        ("tokenizer.ggml.model", GgufValue.String("gpt2")),
        ("tokenizer.ggml.pre", GgufValue.String(pre)),
        ("tokenizer.ggml.tokens", GgufValue.Array(["a", "b", "ab"])),
        ("tokenizer.ggml.merges", GgufValue.Array(["a b"])),
        ("tokenizer.ggml.add_bos_token", GgufValue.Bool(false)), // llama-bpe would add BOS, and this vocabulary has none
    ];

    [Fact]
    public void UnknownTokenizerModelIsAClearError()
    {
        var e = Assert.Throws<TokenizerException>(() => TokenizerFactory.FromGguf(Metadata(
            ("tokenizer.ggml.model", GgufValue.String("sentencepiece-v9")), ("tokenizer.ggml.tokens", GgufValue.Array(["a"])))));
        Assert.Equal("tokenizer.ggml.model", e.Key);
        Assert.Contains("unknown tokenizer model 'sentencepiece-v9'", e.Message);
    }

    [Fact]
    public void UnsupportedTokenizerModelSaysSo()
    {
        var e = Assert.Throws<TokenizerException>(() => TokenizerFactory.FromGguf(Metadata(
            ("tokenizer.ggml.model", GgufValue.String("t5")), ("tokenizer.ggml.tokens", GgufValue.Array(["a"])))));
        Assert.Contains("'t5' is not supported", e.Message);
    }

    [Fact]
    public void UnknownPreTokenizerIsAClearError()
    {
        var e = Assert.Throws<TokenizerException>(() => TokenizerFactory.FromGguf(Metadata(Bpe("my-own-regex"))));
        Assert.Equal("tokenizer.ggml.pre", e.Key);
        Assert.Contains("unknown pre-tokenizer 'my-own-regex'", e.Message);
    }

    [Fact]
    public void PreTokenizerKnownToLlamaCppButNotImplementedSaysSo()
    {
        var e = Assert.Throws<TokenizerException>(() => TokenizerFactory.FromGguf(Metadata(Bpe("gpt-4o"))));
        Assert.Contains("'gpt-4o' is known to llama.cpp but not implemented", e.Message);
    }

    [Theory]
    [InlineData("gpt-2", BpePreTokenizer.Gpt2)]
    [InlineData("mpt", BpePreTokenizer.Gpt2)]
    [InlineData("llama-bpe", BpePreTokenizer.Llama3)]
    [InlineData("qwen2", BpePreTokenizer.Qwen2)]
    [InlineData("falcon", BpePreTokenizer.Falcon)]
    [InlineData("starcoder", BpePreTokenizer.StarCoder)]
    [InlineData("refact", BpePreTokenizer.StarCoder)]
    [InlineData("deepseek-llm", BpePreTokenizer.DeepSeekLlm)]
    [InlineData("deepseek-coder", BpePreTokenizer.DeepSeekCoder)]
    [InlineData("default", BpePreTokenizer.Default)]
    public void PreTokenizerNamesMapToTheirRegexFamily(string pre, BpePreTokenizer expected)
    {
        var tokenizer = TokenizerFactory.FromGguf(Metadata(Bpe(pre)));
        Assert.Equal(expected, tokenizer.Settings.PreTokenizer);
        Assert.Equal([2], tokenizer.Encode("ab", addSpecial: false));
    }

    [Fact]
    public void AddBosWithoutBosTokenIsAClearError()
    {
        // llama-bpe adds BOS by default; the default BOS id 11 is outside this three-token vocabulary
        var e = Assert.Throws<TokenizerException>(() => TokenizerFactory.FromGguf(Metadata(Bpe("llama-bpe").Where(kv => kv.Item1 != "tokenizer.ggml.add_bos_token").ToArray())));
        Assert.Equal("tokenizer.ggml.bos_token_id", e.Key);
    }

    [Fact]
    public void DuplicateTokenTextIsRejected()
    {
        var e = Assert.Throws<TokenizerException>(() => new Vocabulary(["a", "b", "a"]));
        Assert.Contains("duplicate token", e.Message);
    }

    [Fact]
    public void AddBosWithoutBosIdIsRejected() =>
        Assert.Throws<TokenizerException>(() => new SentencePieceTokenizer(new Vocabulary(["a"]), new TokenizerSettings { AddBos = true }));

    [Fact]
    public void SentencePieceFromPlainArrays()
    {
        // A hand-made vocabulary; the expected ids follow from the algorithm by hand:
        // "ab" -> "▁ab"; pairs "▁a" (score -0.5) and "ab" (-0.2): "ab" merges first, "▁ab" is no token -> ▁ ab.
        // "ba!" -> "▁ba!": no pair is a token; '!' has no token -> its byte token <0x21>.
        string[] texts = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "<0x21>"];
        float[] scores = [0, 0, 0, -1, -1, -1, -0.5f, -0.2f, 0];
        TokenAttributes[] attributes =
        [
            TokenAttributes.Unknown, TokenAttributes.Control, TokenAttributes.Control, TokenAttributes.Normal, TokenAttributes.Normal,
            TokenAttributes.Normal, TokenAttributes.Normal, TokenAttributes.Normal, TokenAttributes.Byte,
        ];
        var tokenizer = new SentencePieceTokenizer(new Vocabulary(texts, scores, attributes),
            new TokenizerSettings { BosId = 1, EosId = 2, UnknownId = 0, AddBos = true, AddSpacePrefix = true });

        Assert.Equal([1, 3, 7], tokenizer.Encode("ab"));
        Assert.Equal([3, 5, 4, 8], tokenizer.Encode("ba!", addSpecial: false));
        Assert.Equal([1, 3, 7], tokenizer.Encode("<s>ab", addSpecial: false, parseSpecial: true)); // text after a special token gets the prefix too
        Assert.Equal("ab", tokenizer.Decode([3, 7]));           // the prefix space is dropped again
        Assert.Equal(" ab", tokenizer.Decode([1, 3, 7]));       // ... but not after BOS, as in llama.cpp
        Assert.Equal("<s> ab", tokenizer.Decode([1, 3, 7], renderSpecial: true));
        Assert.Equal("ba!", tokenizer.Decode([3, 5, 4, 8]));
        Assert.True(tokenizer.IsEndOfGeneration(2));
        Assert.False(tokenizer.IsEndOfGeneration(1));
    }
}
