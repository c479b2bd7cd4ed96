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
    /// was ahead of them in the queue. Turns given together (one capacity raise) may reach clients in any
    /// order within the slack.
    /// </summary>
    public int FifoViolations(TimeSpan slack)
    {
        var turns = Entries.Where(e => e.FirstPosition > 0 && e.TurnAt is not null).OrderBy(e => e.FirstPosition).ToList();
        var violations = 0;
        var latestAhead = long.MinValue;
        foreach (var entry in turns)
        {
            if (latestAhead != long.MinValue && Stopwatch.GetElapsedTime(entry.TurnAt!.Value, latestAhead) > slack)
            {
                violations++;
            }

            latestAhead = Math.Max(latestAhead, entry.TurnAt!.Value);
        }

        return violations;
    }

    /// <summary>One bot's queue history; timestamps are <see cref="Stopwatch"/> ticks.</summary>
    public sealed class Entry(int botIndex)
    {
        private readonly object _gate = new();

        public int BotIndex { get; } = botIndex;

        public uint FirstPosition { get; private set; }

        public long? TurnAt { get; private set; }

        public int Updates { get; private set; }

        public bool PositionRose { get; private set; }

        public TimeSpan LongestSilence { get; private set; }

        private long _last;
        private uint _lowest = uint.MaxValue;

        public void Told(uint position, bool ready)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (Updates == 0)
                {
                    FirstPosition = position;
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
