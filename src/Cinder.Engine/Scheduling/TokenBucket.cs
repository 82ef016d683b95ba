namespace Cinder.Engine.Scheduling;

/// <summary>
/// A token bucket holding at most one minute's worth of tokens, refilled continuously. Charges may drive it
/// negative (generated tokens are charged as they come), which delays the next admission until it refills.
/// </summary>
public sealed class TokenBucket
{
    private double _level;
    private long _lastTicks;

    /// <param name="tokensPerMinute">Refill rate and capacity.</param>
    /// <param name="nowTicks">Current time in <see cref="TimeSpan"/> ticks.</param>
    public TokenBucket(int tokensPerMinute, long nowTicks)
    {
        if (tokensPerMinute <= 0) throw new ArgumentOutOfRangeException(nameof(tokensPerMinute));
        Capacity = tokensPerMinute;
        _level = tokensPerMinute;
        _lastTicks = nowTicks;
    }

    public double Capacity { get; }

    public double Level(long nowTicks)
    {
        Refill(nowTicks);
        return _level;
    }

    public void Charge(double tokens, long nowTicks)
    {
        Refill(nowTicks);
        _level -= tokens;
    }

    /// <summary>Time until the bucket holds <paramref name="tokens"/> (zero if it already does; tokens above capacity wait for a full bucket).</summary>
    public TimeSpan TimeUntil(double tokens, long nowTicks)
    {
        Refill(nowTicks);
        double needed = Math.Min(tokens, Capacity) - _level;
        return needed <= 0 ? TimeSpan.Zero : TimeSpan.FromMinutes(needed / Capacity);
    }

    private void Refill(long nowTicks)
    {
        if (nowTicks <= _lastTicks) return;
        _level = Math.Min(Capacity, _level + (nowTicks - _lastTicks) / (double)TimeSpan.TicksPerMinute * Capacity);
        _lastTicks = nowTicks;
    }
}
