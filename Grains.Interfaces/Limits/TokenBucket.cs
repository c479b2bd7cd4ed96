using System.Diagnostics;

namespace OrleansMmo.Limits;

/// <summary>
/// A request budget: <paramref name="burst"/> at once, refilled at <paramref name="ratePerSecond"/>.
/// Used by one owner at a time (a connection's read loop, a grain), so it needs no locking and
/// allocates nothing (System.Threading.RateLimiting allocates a lease per request).
/// </summary>
public struct TokenBucket(double ratePerSecond, int burst)
{
    private double _tokens = burst;
    private long _lastRefill = Stopwatch.GetTimestamp();

    /// <summary>Takes one token; otherwise says how long until one is available.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        Refill();
        if (_tokens >= 1)
        {
            _tokens -= 1;
            retryAfter = TimeSpan.Zero;
            return true;
        }

        retryAfter = TimeSpan.FromSeconds((1 - _tokens) / ratePerSecond);
        return false;
    }

    /// <summary>Whether a token is there now, taking none.</summary>
    public bool CanTake()
    {
        Refill();
        return _tokens >= 1;
    }

    /// <summary>
    /// Takes <paramref name="tokens"/> more than were spent, into debt if need be but never below
    /// -<paramref name="maxDebt"/>: what is owed is refilled at the usual rate before anything is let through again.
    /// </summary>
    public void Charge(double tokens, double maxDebt)
    {
        Refill();
        _tokens = Math.Max(-maxDebt, _tokens - tokens);
    }

    /// <summary>Adds what the time since the last refill earned, up to the burst.</summary>
    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * ratePerSecond);
        _lastRefill = now;
    }
}
