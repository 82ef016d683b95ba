using System.Buffers;
using System.Text;

namespace Cinder.LoadTest;

/// <summary>
/// Reads server-sent events from a byte stream as the WHATWG rules say: lines end in LF, CRLF or CR (even split
/// across reads); a blank line ends an event; <c>data:</c> lines are joined with "\n"; one space after the colon is
/// dropped; lines starting with ':' are comments; other fields are ignored. An event cut off by the end of the
/// stream is still returned (servers that close without the final blank line are common).
/// </summary>
public sealed class SseReader
{
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly byte[] _buffer;
    private int _start, _end;
    private bool _eof;
    private bool _skipLf; // the previous line ended in CR: a LF right after it belongs to the same line end
    private bool _started; // past the optional byte order mark at the very start
    private int _bomSeen; // bytes of that mark matched so far
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly StringBuilder _data = new();
    private bool _hasData;
    private string? _type;

    public SseReader(Stream stream, int maxLineBytes = 1 << 20, int bufferSize = 16 * 1024)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[bufferSize];
    }

    /// <summary>The next event, or null at the end of the stream.</summary>
    /// <exception cref="InvalidDataException">A line is longer than the limit.</exception>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancel = default)
    {
        while (true)
        {
            // Finish the lines already buffered before reading more, so an event is returned as soon as its bytes arrived.
            while (TryReadLine(out bool gotLine))
            {
                if (!gotLine) continue;
                var e = ProcessLine();
                if (e is not null) return e;
            }
            if (_eof)
            {
                if (_line.WrittenCount > 0)
                {
                    var e = ProcessLine();
                    if (e is not null) return e;
                }
                return Dispatch();
            }
            int n = await _stream.ReadAsync(_buffer.AsMemory(), cancel).ConfigureAwait(false);
            if (n == 0) _eof = true;
            _start = 0;
            _end = n;
            if (!_started && n > 0) SkipByteOrderMark();
        }
    }

    /// <summary>The standard allows one UTF-8 BOM before the first line; it may arrive split over reads like anything else.</summary>
    private void SkipByteOrderMark()
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        while (_bomSeen < 3 && _start < _end)
        {
            if (_buffer[_start] != bom[_bomSeen])
            {
                // Not a BOM after all: give back the bytes taken so far (only possible when the stream starts EF or EF BB).
                if (_bomSeen > 0) Append(bom[.._bomSeen]);
                _bomSeen = 3;
                break;
            }
            _bomSeen++;
            _start++;
        }
        _started = _bomSeen == 3;
    }

    /// <summary>Moves bytes up to the next line end into <see cref="_line"/>. False when the buffer is used up.</summary>
    private bool TryReadLine(out bool gotLine)
    {
        gotLine = false;
        if (_start >= _end) return false;
        if (_skipLf)
        {
            _skipLf = false;
            if (_buffer[_start] == (byte)'\n')
            {
                _start++;
                return true;
            }
        }
        var span = _buffer.AsSpan(_start, _end - _start);
        int i = span.IndexOfAny((byte)'\n', (byte)'\r');
        if (i < 0)
        {
            Append(span);
            _start = _end;
            return false;
        }
        Append(span[..i]);
        if (span[i] == (byte)'\r') _skipLf = true;
        _start += i + 1;
        gotLine = true;
        return true;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_line.WrittenCount + bytes.Length > _maxLineBytes)
            throw new InvalidDataException($"an event-stream line is longer than {_maxLineBytes} bytes");
        _line.Write(bytes);
    }

    /// <summary>Interprets the complete line in <see cref="_line"/>; returns an event when the line was blank and ended one.</summary>
    private SseEvent? ProcessLine()
    {
        var line = _line.WrittenSpan;
        try
        {
            if (line.IsEmpty) return Dispatch();
            if (line[0] == (byte)':') return null; // comment, e.g. ": keep-alive"
            int colon = line.IndexOf((byte)':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? ReadOnlySpan<byte>.Empty : line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ') value = value[1..];
            if (field.SequenceEqual("data"u8))
            {
                if (_hasData) _data.Append('\n');
                _data.Append(Encoding.UTF8.GetString(value));
                _hasData = true;
            }
            else if (field.SequenceEqual("event"u8))
            {
                _type = Encoding.UTF8.GetString(value);
            }
            return null;
        }
        finally
        {
            _line.ResetWrittenCount();
        }
    }

    private SseEvent? Dispatch()
    {
        if (!_hasData)
        {
            _type = null;
            return null;
        }
        var e = new SseEvent(string.IsNullOrEmpty(_type) ? null : _type, _data.ToString());
        _data.Clear();
        _hasData = false;
        _type = null;
        return e;
    }
}
