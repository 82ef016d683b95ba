using Cinder.Core;

namespace Cinder.Server;

/// <summary>A prompt plus the tokens asked for do not fit the context; the message gives both numbers (nothing is truncated).</summary>
public sealed class ContextLengthExceededException : CinderException
{
    public ContextLengthExceededException(int promptTokens, int? maxTokens, int contextLength, string param)
        : base(Describe(promptTokens, maxTokens, contextLength))
    {
        PromptTokens = promptTokens;
        MaxTokens = maxTokens;
        ContextLength = contextLength;
        Param = param;
    }

    public int PromptTokens { get; }

    /// <summary>The max_tokens asked for, or null when none was given and the prompt alone fills the context.</summary>
    public int? MaxTokens { get; }

    public int ContextLength { get; }

    /// <summary>The request field to blame ("max_tokens", "messages" or "prompt").</summary>
    public string Param { get; }

    private static string Describe(int prompt, int? max, int context) => max is { } m
        ? $"this model's maximum context length is {context} tokens, but {prompt + m} were requested ({prompt} in the prompt plus max_tokens {m}); shorten the prompt or lower max_tokens"
        : $"this model's maximum context length is {context} tokens, and the prompt alone takes {prompt}, leaving no room to generate";
}
