using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansMmo.Bots.Metrics;

/// <summary>
/// What each queued bot was told, for checking a login queue: its first position, when its turn came,
/// the longest silence between two position updates, and whether a position ever went up. In-process
/// only (a benchmark's bots), not sent between worker processes.
/// </summary>
public sealed class QueueLedger
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => [.. _entries.Values];

    public Entry For(int botIndex) => _entries.GetOrAdd(botIndex, static i => new Entry(i));

    /// <summary>
    /// Turns given out of order: bots whose turn came more than <paramref name="slack"/> before a bot that
    /// was ahead of them in the queue. <paramref name="placeOf"/> gives a bot's place in the queue's own order
    /// (the sequence its ticket carries; null if unknown, and then it is left out): positions a client is
    /// told cannot order it, since the queue moves while arrivals are still joining. Turns given together
    /// (one capacity raise) may reach clients in any order within the slack.
    /// </summary>
    public int FifoViolations(Func<Entry, long?> placeOf, TimeSpan slack) => Inversions(placeOf).Count(i => i > slack);

    /// <summary>The longest time by which a bot's turn came before that of a bot ahead of it (zero if never).</summary>
    public TimeSpan LargestInversion(Func<Entry, long?> placeOf) => Inversions(placeOf).DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>For each bot in queue order: how long before the latest turn of those ahead of it its own turn came.</summary>
    private List<TimeSpan> Inversions(Func<Entry, long?> placeOf)
    {
        var turns = Entries
            .Select(e => (Entry: e, Place: placeOf(e)))
            .Where(t => t.Place is not null && t.Entry.TurnAt is not null)
            .OrderBy(t => t.Place)
            .Select(t => t.Entry.TurnAt!.Value)
            .ToList();
        var inversions = new List<TimeSpan>();
        var latestAhead = long.MinValue;
        foreach (var turnAt in turns)
        {
            if (latestAhead != long.MinValue && latestAhead > turnAt)
            {
                inversions.Add(Stopwatch.GetElapsedTime(turnAt, latestAhead));
            }

            latestAhead = Math.Max(latestAhead, turnAt);
        }

        return inversions;
    }

    /// <summary>One bot's queue history; timestamps are <see cref="Stopwatch"/> ticks.</summary>
    public sealed class Entry(int botIndex)
    {
        private readonly object _gate = new();

        public int BotIndex { get; } = botIndex;

        public uint FirstPosition { get; private set; }

        /// <summary>The queue ticket of the first status (the EnterWorld answer that queued it).</summary>
        public string? FirstTicket { get; private set; }

        public long? TurnAt { get; private set; }

        public int Updates { get; private set; }

        public bool PositionRose { get; private set; }

        public TimeSpan LongestSilence { get; private set; }

        private long _last;
        private uint _lowest = uint.MaxValue;

        public void Told(uint position, bool ready, string? ticket)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (Updates == 0)
                {
                    FirstPosition = position;
                    FirstTicket = ticket;
                }
                else
                {
                    var silence = Stopwatch.GetElapsedTime(_last, now);
                    LongestSilence = silence > LongestSilence ? silence : LongestSilence;
                }

                Updates++;
                _last = now;
                if (!ready && position > _lowest)
                {
                    PositionRose = true;
                }

                _lowest = Math.Min(_lowest, position);
                if (ready && TurnAt is null)
                {
                    TurnAt = now;
                }
            }
        }
    }
}
