using System.Text;

namespace Cinder.Tokenizers.Tests;

/// <summary>
/// Acceptance: any string, on any of the ten vocabularies, gives llama.cpp's token ids; and every token and id
/// sequence decodes to llama.cpp's bytes. llama.cpp runs in-process (LLamaSharp's native library) as the oracle.
/// </summary>
public class OracleComparisonTests
{
    private const int StringsPerVocab = 300;

    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void RandomStringsGiveLlamaCppIds(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        var random = new RandomText(seed: 1234 + vocab.Length, tokenizer);
        var failures = new List<string>();
        int compared = 0;
        for (int i = 0; i < StringsPerVocab; i++)
        {
            var text = random.Next();
            // all four combinations over the run, two per string
            foreach (var (addSpecial, parseSpecial) in i % 2 == 0 ? new[] { (false, true), (true, false) } : new[] { (true, true), (false, false) })
            {
                var expected = oracle.Tokenize(text, addSpecial, parseSpecial);
                var actual = tokenizer.Encode(text, addSpecial, parseSpecial);
                compared++;
                if (!actual.AsSpan().SequenceEqual(expected) && failures.Count < 10)
                    failures.Add($"{VocabVectorTests.Show(text)} add={addSpecial} parse={parseSpecial}:\n  llama.cpp [{string.Join(' ', expected)}]\n  cinder    [{string.Join(' ', actual)}]");
            }
        }
        Assert.True(failures.Count == 0, $"{vocab}: differences (first {failures.Count}) of {compared} comparisons:\n" + string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void RandomIdSequencesDetokenizeLikeLlamaCpp(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        var random = new RandomText(seed: 99 + vocab.Length, tokenizer);
        var ids = new Random(7);
        var failures = new List<string>();
        for (int i = 0; i < 150; i++)
        {
            // ids of real text (with BOS and specials), and arbitrary ids
            int[] sequence = i % 3 == 2
                ? Enumerable.Range(0, ids.Next(1, 20)).Select(_ => ids.Next(tokenizer.VocabSize)).ToArray()
                : oracle.Tokenize(random.Next(), addSpecial: i % 2 == 0, parseSpecial: true);
            foreach (var (removeSpecial, unparseSpecial) in new[] { (false, false), (false, true), (true, false), (true, true) })
            {
                var expected = oracle.Detokenize(sequence, removeSpecial, unparseSpecial);
                var actual = tokenizer.DecodeBytes(sequence, removeSpecial, unparseSpecial);
                if (!actual.AsSpan().SequenceEqual(expected) && failures.Count < 10)
                    failures.Add($"[{string.Join(' ', sequence)}] remove={removeSpecial} unparse={unparseSpecial}:\n  llama.cpp {Convert.ToHexString(expected)}\n  cinder    {Convert.ToHexString(actual)}");
            }
        }
        Assert.True(failures.Count == 0, $"{vocab}:\n" + string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void EveryTokenPieceAndAttributeMatchesLlamaCpp(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        Assert.Equal(oracle.TokenCount, tokenizer.VocabSize);
        var failures = new List<string>();
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            foreach (bool special in new[] { true, false })
            {
                var expected = oracle.TokenToPiece(id, special);
                if (!tokenizer.TokenBytes(id, special).SequenceEqual(expected) && failures.Count < 10)
                    failures.Add($"piece {id} special={special}: llama.cpp {Convert.ToHexString(expected)} cinder {Convert.ToHexString(tokenizer.TokenBytes(id, special))}");
            }
            if ((int)tokenizer.Vocabulary.Attributes(id) != oracle.Attributes(id) && failures.Count < 10)
                failures.Add($"attributes {id} '{tokenizer.Vocabulary.Text(id)}': llama.cpp {oracle.Attributes(id)} cinder {(int)tokenizer.Vocabulary.Attributes(id)}");
            if (tokenizer.IsEndOfGeneration(id) != oracle.IsEog(id) && failures.Count < 10)
                failures.Add($"end of generation {id} '{tokenizer.Vocabulary.Text(id)}': llama.cpp {oracle.IsEog(id)}");
            if (tokenizer.IsControl(id) != oracle.IsControl(id) && failures.Count < 10)
                failures.Add($"control {id}: llama.cpp {oracle.IsControl(id)}");
        }
        Assert.True(failures.Count == 0, $"{vocab}:\n" + string.Join('\n', failures));
    }

    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void SpecialIdsAndFlagsMatchLlamaCpp(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var oracle = Vocabs.Oracle(vocab);
        Assert.Equal(oracle.Bos, tokenizer.BosId);
        Assert.Equal(oracle.Eos, tokenizer.EosId);
        Assert.Equal(oracle.Eot, tokenizer.EotId);
        Assert.Equal(oracle.Sep, tokenizer.Settings.SeparatorId);
        Assert.Equal(oracle.Pad, tokenizer.Settings.PaddingId);
        Assert.Equal(oracle.AddBos, tokenizer.AddBos);
        Assert.Equal(oracle.AddEos, tokenizer.AddEos);
    }

    [Fact]
    public void CachedOracleAgreesWithTestSupportOracle()
    {
        // the in-process oracle used above is the same llama.cpp as Cinder.TestSupport's LlamaCpp.Tokenize
        foreach (var vocab in new[] { "llama-spm", "gpt-2", "bert-bge" })
        {
            const string text = "Hello <s> wörld 🦙 </s>  ,!";
            Assert.Equal(Cinder.TestSupport.LlamaCpp.Tokenize(Vocabs.Path(vocab), text, addBos: true, parseSpecial: true),
                Vocabs.Oracle(vocab).Tokenize(text, addSpecial: true, parseSpecial: true));
            Assert.Equal(Cinder.TestSupport.LlamaCpp.Tokenize(Vocabs.Path(vocab), text, addBos: false, parseSpecial: false),
                Vocabs.Load(vocab).Encode(text, addSpecial: false, parseSpecial: false));
        }
    }
}
