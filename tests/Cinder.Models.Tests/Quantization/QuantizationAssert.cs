using System.Collections;
using Cinder.Gguf;
using Cinder.TestSupport;

namespace Cinder.Models.Tests.Quantization;

internal static class QuantizationAssert
{
    /// <summary>Every key of <paramref name="expected"/> is in <paramref name="actual"/> with the same type and value, and no others.</summary>
    public static void SameMetadata(GgufMetadata expected, GgufMetadata actual)
    {
        Assert.Equal(expected.Entries.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Entries.Select(e => e.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected.Entries)
        {
            var other = actual.Get(key);
            Assert.True(value.Type == other.Type && value.ElementType == other.ElementType, $"{key}: {value.Describe()} vs {other.Describe()}");
            Assert.True(StructuralComparisons.StructuralEqualityComparer.Equals(value.Raw, other.Raw), $"{key}: {value} vs {other}");
        }
    }

    /// <summary>The golden prompt of stories260K (BOS + "Once upon a time..."), usable with any model sharing its tokenizer.</summary>
    public static int[] Prompt()
    {
        var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.Golden("stories260K/stories260K-1.json"))).RootElement;
        return golden.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    public static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
