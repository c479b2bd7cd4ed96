using System.Collections.Concurrent;
#if !NET
using System.Diagnostics;
#endif

namespace OrleansMmo.Client;

// The few APIs this SDK uses that .NET Standard 2.1 (Unity, older Mono) lacks and the Polyfill package does not
// cover. Each is the real API on .NET and an equivalent everywhere else, so both builds behave alike.

/// <summary>Milliseconds of a clock that never jumps (not wall time), for deadlines and idle checks.</summary>
internal static class MonotonicClock
{
#if NET
    public static long Milliseconds => Environment.TickCount64;
#else
    private static readonly double MillisecondsPerTick = 1000.0 / Stopwatch.Frequency;

    public static long Milliseconds => (long)(Stopwatch.GetTimestamp() * MillisecondsPerTick);
#endif
}

internal static class ConcurrentDictionaryExtensions
{
    /// <summary>Removes <paramref name="key"/> only while it still maps to <paramref name="value"/>, atomically.</summary>
    public static bool TryRemoveExact<TKey, TValue>(this ConcurrentDictionary<TKey, TValue> dictionary, TKey key, TValue value)
        where TKey : notnull
    {
#if NET
        return dictionary.TryRemove(new KeyValuePair<TKey, TValue>(key, value));
#else
        // The same compare-and-remove, reached through the ICollection interface before .NET 5 made it public.
        return ((ICollection<KeyValuePair<TKey, TValue>>)dictionary).Remove(new KeyValuePair<TKey, TValue>(key, value));
#endif
    }
}
