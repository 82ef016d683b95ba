using System.Collections;
using Cinder.Gguf;

namespace Cinder.Cli.Tests;

/// <summary>Comparisons of GGUF files read with the Cinder.Gguf reader.</summary>
internal static class GgufAssert
{
    /// <summary>Every key of <paramref name="source"/> is in <paramref name="copy"/> with the same type and value, except <paramref name="changed"/>.</summary>
    public static void HasMetadataOf(GgufMetadata source, GgufMetadata copy, params string[] changed)
    {
        foreach (var (key, value) in source.Entries)
        {
            if (changed.Contains(key)) continue;
            Assert.True(copy.TryGet(key, out var copied), $"metadata key {key} was not copied");
            Assert.True(value.Type == copied.Type && value.ElementType == copied.ElementType, $"{key}: {value.Describe()} became {copied.Describe()}");
            Assert.True(SameValue(value.Raw, copied.Raw), $"{key}: the value changed");
        }
    }

    private static bool SameValue(object a, object b) => (a, b) switch
    {
        (GgufValue[] x, GgufValue[] y) => x.Length == y.Length && x.Zip(y).All(p => SameValue(p.First.Raw, p.Second.Raw)),
        (IStructuralEquatable x, _) => x.Equals(b, StructuralComparisons.StructuralEqualityComparer),
        _ => Equals(a, b),
    };
}
