using System.Text.Json.Serialization;

namespace Cinder.Server.Protocol;

/// <summary>Source-generated JSON for every protocol type: snake_case names, nulls written (OpenAI writes "finish_reason": null).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    MaxDepth = 64)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(CompletionResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ProtocolJson : JsonSerializerContext
{
    /// <summary>
    /// The context responses are written with: as <see cref="JsonSerializerContext.Options"/> but without escaping
    /// quotes, apostrophes and non-ASCII text as \uXXXX (still valid JSON, and readable in a terminal or a log).
    /// </summary>
    public static ProtocolJson Web => WebLazy.Value;

    // Lazy: static initializers of the generated half of this class may run after ours.
    private static readonly Lazy<ProtocolJson> WebLazy = new(CreateWeb);

    private static ProtocolJson CreateWeb()
    {
        ProtocolJson source = Default;
        var options = new System.Text.Json.JsonSerializerOptions(source.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = null,
        };
        return new ProtocolJson(options);
    }
}
