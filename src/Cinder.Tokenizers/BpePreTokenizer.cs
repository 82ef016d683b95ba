namespace Cinder.Tokenizers;

/// <summary>
/// How byte-level BPE splits text into words before merging: the regex families of llama.cpp's
/// <c>llm_tokenizer_bpe</c>. Several <c>tokenizer.ggml.pre</c> names share one family (see <see cref="TokenizerFactory"/>).
/// </summary>
public enum BpePreTokenizer
{
    /// <summary>llama.cpp's fallback: punctuation runs, GPT-2 words, digit runs, then digit triples.</summary>
    Default,
    /// <summary>GPT-2: <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)</c> (gpt-2, mpt, olmo, ...).</summary>
    Gpt2,
    /// <summary>Llama 3: case-insensitive contractions, letters with one leading non-letter, digit triples, newline runs.</summary>
    Llama3,
    /// <summary>Qwen2: as Llama 3 but single digits.</summary>
    Qwen2,
    /// <summary>Falcon: punctuation runs, GPT-2 words, digit triples.</summary>
    Falcon,
    /// <summary>StarCoder and Refact: single digits, then GPT-2 words.</summary>
    StarCoder,
    /// <summary>DeepSeek LLM: newlines, cased-letter runs, ASCII/full-width punctuation runs, trailing spaces, CJK runs, digit runs.</summary>
    DeepSeekLlm,
    /// <summary>DeepSeek Coder: newlines, letter runs, punctuation runs, CJK runs, single digits.</summary>
    DeepSeekCoder,
}
