namespace Cinder.Engine;

/// <summary>
/// Finds stop sequences in streamed text. Text that could still be the start of a stop sequence is held
/// back until it is known not to be, so a client never sees part of a stop string.
/// </summary>
public sealed class StopMatcher
{
    private readonly string[] _stops;
    private readonly System.Text.StringBuilder _pending = new();

    public StopMatcher(IReadOnlyList<string>? stops)
    {
        _stops = stops?.Where(s => s.Length > 0).ToArray() ?? Array.Empty<string>();
    }

    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns what can be released now. After a stop, nothing more is released.</summary>
    public string Push(string text)
    {
        if (Stopped || text.Length == 0) return "";
        if (_stops.Length == 0) return text;
        _pending.Append(text);
        var s = _pending.ToString();
        int first = -1;
        foreach (var stop in _stops)
        {
            int at = s.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return s[..first];
        }
        // Hold back the longest suffix that is a prefix of some stop sequence.
        int hold = 0;
        foreach (var stop in _stops)
        {
            for (int k = Math.Min(stop.Length - 1, s.Length); k > hold; k--)
            {
                if (string.CompareOrdinal(s, s.Length - k, stop, 0, k) == 0)
                {
                    hold = k;
                    break;
                }
            }
        }
        _pending.Clear();
        _pending.Append(s, s.Length - hold, hold);
        return s[..^hold];
    }

    /// <summary>At the end of generation: whatever was held back (it turned out not to be a stop).</summary>
    public string Flush()
    {
        if (Stopped) return "";
        var s = _pending.ToString();
        _pending.Clear();
        return s;
    }
}
