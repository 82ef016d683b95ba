namespace Cinder.Tokenizers.Text;

/// <summary>The properties the hand-coded splitters ask of a code point; <see cref="OutOfRange"/> past either end of the piece.</summary>
internal readonly struct CharClass
{
    private readonly CodepointCategory _category;
    private readonly bool _whitespace;

    private CharClass(CodepointCategory category, bool whitespace)
    {
        _category = category;
        _whitespace = whitespace;
    }

    public static readonly CharClass OutOfRange = default;

    public static CharClass Of(int cp) => new(UnicodeData.Category(cp), UnicodeData.IsWhitespace(cp));

    public bool IsLetter => _category == CodepointCategory.Letter;

    public bool IsNumber => _category == CodepointCategory.Number;

    public bool IsWhitespace => _whitespace;

    /// <summary>Inside the piece, and neither whitespace, letter nor number (llama.cpp: <c>!(ws|letter|number) &amp;&amp; as_uint()</c>).</summary>
    public bool IsOther => IsInRange && !(_whitespace || IsLetter || IsNumber);

    /// <summary>llama.cpp's <c>as_uint() != 0</c>: true for every code point inside the piece.</summary>
    public bool IsInRange => _category != CodepointCategory.None || _whitespace;
}
