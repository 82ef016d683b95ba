using System.Text;

namespace Cinder.Tokenizers;

/// <summary>
/// Turns generated token ids into text one id at a time, never emitting half a UTF-8 character: bytes of a character
/// split across tokens (byte-fallback tokens, byte-level BPE pieces) are held until the character is complete.
/// </summary>
/// <remarks>
/// The text emitted over a whole sequence equals the UTF-8 decoding of the concatenated token pieces
/// (<see cref="Tokenizer.TokenBytes"/>), which is what llama.cpp streams (<c>common_token_to_piece</c> per token):
/// unlike <see cref="Tokenizer.Decode"/> it strips no leading space and cleans up no spaces, because it cannot know
/// where the sequence starts or what comes next. Invalid byte sequences become U+FFFD.
/// <see cref="Append(int, Span{char})"/> allocates nothing. Not thread-safe: one instance per sequence.
/// </remarks>
public sealed class StreamingDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _renderSpecial;
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly char[] _buffer;

    /// <param name="tokenizer">The tokenizer whose ids will be appended.</param>
    /// <param name="renderSpecial">Render control tokens (such as an end-of-turn marker) as their text instead of nothing.</param>
    public StreamingDetokenizer(Tokenizer tokenizer, bool renderSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
        _buffer = new char[MaxCharsPerToken];
    }

    /// <summary>A destination of this many chars is always large enough for <see cref="Append(int, Span{char})"/> and <see cref="Flush(Span{char})"/>.</summary>
    public int MaxCharsPerToken => _tokenizer.MaxTokenBytes + 4;

    /// <summary>Adds token <paramref name="id"/>; writes the text that is now complete to <paramref name="destination"/> and returns its length in chars.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxCharsPerToken"/>.</exception>
    public int Append(int id, Span<char> destination)
    {
        if (destination.Length < MaxCharsPerToken)
            throw new ArgumentException($"the destination must hold at least {MaxCharsPerToken} chars", nameof(destination));
        var bytes = _tokenizer.TokenBytes(id, _renderSpecial);
        _decoder.Convert(bytes, destination, flush: false, out _, out int written, out _);
        return written;
    }

    /// <summary>Adds token <paramref name="id"/> and returns the text that is now complete (often empty, never half a character).</summary>
    public string Append(int id)
    {
        int written = Append(id, _buffer);
        return written == 0 ? string.Empty : new string(_buffer, 0, written);
    }

    /// <summary>Ends the sequence: bytes still waiting for the rest of a character are written as U+FFFD.</summary>
    public int Flush(Span<char> destination)
    {
        if (destination.Length < 4) throw new ArgumentException("the destination must hold at least 4 chars", nameof(destination));
        _decoder.Convert(ReadOnlySpan<byte>.Empty, destination, flush: true, out _, out int written, out _);
        return written;
    }

    /// <summary>Ends the sequence and returns what was still pending (U+FFFD per incomplete character, usually empty).</summary>
    public string Flush()
    {
        int written = Flush(_buffer);
        return written == 0 ? string.Empty : new string(_buffer, 0, written);
    }

    /// <summary>Forgets pending bytes, to start a new sequence.</summary>
    public void Reset() => _decoder.Reset();
}
