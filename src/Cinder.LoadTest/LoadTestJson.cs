using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cinder.LoadTest;

/// <summary>
/// Source-generated JSON for the report: snake_case names derived from the property names (which are therefore part of
/// the schema: the tests pin them), every field always present (null when unknown), no reflection.
/// </summary>
[JsonSerializable(typeof(LoadTestReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
public sealed partial class LoadTestJson : JsonSerializerContext
{
    /// <summary>One line of JSON.</summary>
    public static string Serialize(LoadTestReport report) => JsonSerializer.Serialize(report, Default.LoadTestReport);
}
