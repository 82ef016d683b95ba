namespace Cinder.Core;

/// <summary>
/// A tokenizer cannot be built or cannot tokenize: an unknown tokenizer model or pre-tokenizer, inconsistent
/// vocabulary metadata (duplicate tokens, arrays of different lengths, a special token id out of range), or text
/// that the vocabulary has no way to represent. Says which key or token was wrong and what was expected.
/// </summary>
public sealed class TokenizerException : CinderException
{
    public TokenizerException(string message, string? key = null)
        : base(key is null ? message : $"{message} ({key})")
    {
        Key = key;
    }

    /// <summary>The metadata key involved (for example <c>tokenizer.ggml.pre</c>), if any.</summary>
    public string? Key { get; }
}
