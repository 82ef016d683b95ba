namespace Cinder.Tokenizers.Tests;

/// <summary>llama.cpp's tokenizer test vectors (../shared/vocab): every .inp string gives the ids of the .out line.</summary>
public class VocabVectorTests
{
    [Theory]
    [MemberData(nameof(Vocabs.All), MemberType = typeof(Vocabs))]
    public void EveryVectorGivesLlamaCppIds(string vocab)
    {
        var tokenizer = Vocabs.Load(vocab);
        var vectors = Vocabs.Vectors(vocab);
        Assert.Equal(46, vectors.Count);
        var failures = new List<string>();
        foreach (var (text, expected) in vectors)
        {
            var actual = tokenizer.Encode(text, addSpecial: false, parseSpecial: true);
            if (!actual.AsSpan().SequenceEqual(expected))
                failures.Add($"{Show(text)}: expected [{string.Join(' ', expected)}] got [{string.Join(' ', actual)}]");
        }
        Assert.True(failures.Count == 0, $"{vocab}: {failures.Count} of {vectors.Count} vectors differ:\n" + string.Join('\n', failures));
    }

    internal static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
