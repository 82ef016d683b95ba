namespace Cinder.Tokenizers;

/// <summary>
/// Everything about a tokenizer that is not the token table: special token ids (-1 when absent) and the flags
/// that change how text is encoded and decoded. <see cref="TokenizerFactory"/> fills it from GGUF metadata with
/// llama.cpp's defaults; code that builds a tokenizer from plain arrays sets it directly.
/// </summary>
public sealed record TokenizerSettings
{
    public int BosId { get; init; } = -1;
    public int EosId { get; init; } = -1;
    /// <summary>End of turn (<c>&lt;|eot_id|&gt;</c>, <c>&lt;|im_end|&gt;</c> ...).</summary>
    public int EotId { get; init; } = -1;
    /// <summary>End of message (<c>&lt;|eom_id|&gt;</c>).</summary>
    public int EomId { get; init; } = -1;
    public int UnknownId { get; init; } = -1;
    public int SeparatorId { get; init; } = -1;
    public int PaddingId { get; init; } = -1;
    public int MaskId { get; init; } = -1;

    /// <summary>Prepend BOS when special tokens are added.</summary>
    public bool AddBos { get; init; }
    /// <summary>Append EOS when special tokens are added.</summary>
    public bool AddEos { get; init; }
    /// <summary>Append SEP when special tokens are added (WordPiece always does; informational for the others).</summary>
    public bool AddSep { get; init; }

    /// <summary>SentencePiece: prefix a space to text that starts the input or follows a special token; drop it again when decoding.</summary>
    public bool AddSpacePrefix { get; init; }
    /// <summary>Recorded from <c>tokenizer.ggml.remove_extra_whitespaces</c>; llama.cpp uses it only for Unigram models, so it changes nothing here.</summary>
    public bool RemoveExtraWhitespaces { get; init; }
    /// <summary>Decoding removes spaces before <c>? ! . ,</c>, around a lone apostrophe and before <c>'s 'm 're 've</c> (clean_up_tokenization_spaces).</summary>
    public bool CleanSpaces { get; init; }

    /// <summary>BPE: how text is split into words.</summary>
    public BpePreTokenizer PreTokenizer { get; init; } = BpePreTokenizer.Default;
    /// <summary>BPE: a word that is itself a token is emitted whole, without merging (Llama 3 style).</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>WordPiece: lower-case the text.</summary>
    public bool Lowercase { get; init; } = true;
    /// <summary>WordPiece: reduce each code point to the first of its canonical decomposition and drop combining marks.</summary>
    public bool StripAccents { get; init; } = true;

    /// <summary>Tokens that end generation (EOS, EOT, EOM and model-specific ones). When empty, EOS, EOT and EOM are used.</summary>
    public IReadOnlyCollection<int> EndOfGenerationIds { get; init; } = [];
}
