namespace Cinder.Tokenizers;

/// <summary>
/// What a token is and how it behaves, as a set of flags (llama.cpp's <c>llama_token_attr</c>, same bit values).
/// A GGUF <see cref="TokenType"/> gives exactly one of the first six; loading conventions may add
/// <see cref="Control"/>, <see cref="Unused"/>, <see cref="LStrip"/> or <see cref="RStrip"/>.
/// </summary>
[Flags]
public enum TokenAttributes
{
    /// <summary>Undefined type: behaves like no type at all (never matched as special, renders as nothing).</summary>
    None = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    /// <summary>Control token (BOS, EOS, chat markers): recognised in text only when special tokens are parsed; renders only when asked to.</summary>
    Control = 1 << 3,
    /// <summary>User-defined token: always recognised in text, rendered verbatim.</summary>
    UserDefined = 1 << 4,
    /// <summary>Byte-fallback token <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 1 << 5,
    Normalized = 1 << 6,
    /// <summary>When matched in text, ASCII whitespace on its left is dropped.</summary>
    LStrip = 1 << 7,
    /// <summary>When matched in text, ASCII whitespace on its right is dropped.</summary>
    RStrip = 1 << 8,
    SingleWord = 1 << 9,
}
