using System.Text;

namespace Cinder.Tokenizers.Tests;

public class StreamingDetokenizerTests
{
    [Theory]
    [InlineData("llama-spm", "🦙 llamas and 日本語 😀!")] // characters missing from the vocabulary arrive as <0xNN> byte tokens
    [InlineData("gpt-2", "🦙 café 日本語 👨‍👩‍👧")]     // byte-level BPE pieces cut characters anywhere
    [InlineData("falcon", "ẞ 𝔘𝔫𝔦 🇫🇷")]
    public void MultiByteCharactersSplitAcrossTokensComeOutWhole(string vocab, string text)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        var ids = oracle.Tokenize(text, addSpecial: false, parseSpecial: false);
        var stream = tokenizer.CreateStreamingDetokenizer();
        var chunks = ids.Select(stream.Append).ToList();
        chunks.Add(stream.Flush());

        // the pieces llama.cpp would stream, concatenated and decoded once
        var expected = Encoding.UTF8.GetString(ids.SelectMany(id => oracle.TokenToPiece(id, special: false)).ToArray());
        Assert.Equal(expected, string.Concat(chunks));
        Assert.DoesNotContain('\uFFFD', string.Concat(chunks));
        Assert.Contains(chunks.Take(ids.Length), c => c.Length == 0); // some token really ended inside a character
        foreach (var chunk in chunks) Assert.True(IsWholeUtf16(chunk), $"chunk {VocabVectorTests.Show(chunk)} has half a character");
    }

    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void StreamedTextEqualsLlamaCppPiecesOnRandomText(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        var random = new RandomText(seed: 555 + vocab.Length, tokenizer);
        for (int i = 0; i < 40; i++)
        {
            var ids = oracle.Tokenize(random.Next(), addSpecial: true, parseSpecial: true);
            bool renderSpecial = i % 2 == 0;
            var stream = tokenizer.CreateStreamingDetokenizer(renderSpecial);
            var sb = new StringBuilder();
            foreach (int id in ids)
            {
                var chunk = stream.Append(id);
                Assert.True(IsWholeUtf16(chunk));
                sb.Append(chunk);
            }
            sb.Append(stream.Flush());
            var expected = Encoding.UTF8.GetString(ids.SelectMany(id => oracle.TokenToPiece(id, renderSpecial)).ToArray());
            Assert.Equal(expected, sb.ToString());
        }
    }

    [Fact]
    public void IncompleteCharacterAtTheEndIsFlushedAsReplacement()
    {
        var tokenizer = Vocabs.Load("llama-spm");
        var stream = tokenizer.CreateStreamingDetokenizer();
        int f0 = tokenizer.Vocabulary.IdOf("<0xF0>"), x9f = tokenizer.Vocabulary.IdOf("<0x9F>");
        Assert.Equal("", stream.Append(f0));
        Assert.Equal("", stream.Append(x9f));
        Assert.Equal("\uFFFD", stream.Flush());
        stream.Reset();
        Assert.Equal("a", stream.Append(tokenizer.Vocabulary.IdOf("a")));
    }

    [Fact]
    public void ControlTokensRenderOnlyWhenAsked()
    {
        var tokenizer = Vocabs.Load("phi-3");
        int end = tokenizer.Vocabulary.IdOf("<|end|>");
        Assert.True(tokenizer.IsControl(end));
        Assert.Equal("", tokenizer.CreateStreamingDetokenizer().Append(end));
        Assert.Equal("<|end|>", tokenizer.CreateStreamingDetokenizer(renderSpecial: true).Append(end));
    }

    [Fact]
    public void AppendingIntoASpanDoesNotAllocate()
    {
        var tokenizer = Vocabs.Load("gpt-2");
        var ids = tokenizer.Encode("🦙 The llama (ラマ) is a domesticated South American camelid. 日本語 😀 ");
        var stream = tokenizer.CreateStreamingDetokenizer();
        Span<char> buffer = stackalloc char[stream.MaxCharsPerToken];
        foreach (int id in ids) stream.Append(id, buffer); // warm up
        stream.Reset();

        long before = GC.GetAllocatedBytesForCurrentThread();
        int chars = 0;
        for (int round = 0; round < 100; round++)
            foreach (int id in ids) chars += stream.Append(id, buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(chars > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TooSmallDestinationIsRejected()
    {
        var stream = Vocabs.Load("gpt-2").CreateStreamingDetokenizer();
        Assert.Throws<ArgumentException>(() => stream.Append(0, new char[1]));
    }

    private static bool IsWholeUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
