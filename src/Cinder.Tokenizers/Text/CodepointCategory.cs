namespace Cinder.Tokenizers.Text;

/// <summary>
/// The coarse Unicode category of a code point as llama.cpp's tokenizer sees it (one bit per major general
/// category, numbered as in llama.cpp's <c>unicode_cpt_flags</c>). Unassigned code points are <see cref="Undefined"/>.
/// </summary>
[Flags]
internal enum CodepointCategory : byte
{
    None = 0,
    Undefined = 0x01,
    Number = 0x02,       // \p{N}
    Letter = 0x04,       // \p{L}
    Separator = 0x08,    // \p{Z}
    Mark = 0x10,         // \p{M}
    Punctuation = 0x20,  // \p{P}
    Symbol = 0x40,       // \p{S}
    Control = 0x80,      // \p{C} except unassigned: Cc, Cf, Cs, Co
}
