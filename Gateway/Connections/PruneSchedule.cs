using System.Diagnostics;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// When a per-address table may be swept: once per interval, by whichever caller comes first after it, never by two
/// at once, without a lock on the connection path.
/// </summary>
internal sealed class PruneSchedule(TimeSpan interval)
{
    private long _last = Stopwatch.GetTimestamp();

    /// <summary>True for exactly one caller once <c>interval</c> has passed since the last sweep.</summary>
    public bool IsDue()
    {
        var last = Interlocked.Read(ref _last);
        return Stopwatch.GetElapsedTime(last) >= interval && Interlocked.CompareExchange(ref _last, Stopwatch.GetTimestamp(), last) == last;
    }
}
