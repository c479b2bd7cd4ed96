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

    /// <summary>QueueUpdate pushes that reached their client after a push the world told later, over all bots.</summary>
    public int PushesOutOfOrder => Entries.Sum(e => e.PushesOutOfOrder);

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

    /// <summary>
    /// The largest inversion told in full, for finding where a turn was lost: the bot ahead, whose turn came late, with
    /// every status it heard (time relative to the turn of the bot behind it, position, and for a turn the time it had
    /// left to take it: a turn first heard with less than the grace left was given earlier than it was heard). Null if none.
    /// </summary>
    public string? DescribeLargestInversion(Func<Entry, long?> placeOf)
    {
        var worst = InversionPairs(placeOf).DefaultIfEmpty().MaxBy(p => p.Late is null ? TimeSpan.Zero : Stopwatch.GetElapsedTime(p.Early!.TurnAt!.Value, p.Late.TurnAt!.Value));
        if (worst.Late is not { } late || worst.Early is not { } early)
        {
            return null;
        }

        var origin = early.TurnAt!.Value;
        string Told(IEnumerable<(long At, uint Position, bool Ready, uint ReadyForMs)> statuses) => string.Join("; ", statuses.Select(h =>
            $"{Stopwatch.GetElapsedTime(origin, h.At).TotalMilliseconds:+0;-0} ms: " + (h.Ready ? $"ready, {h.ReadyForMs} ms left" : $"position {h.Position}")));
        return $"place {placeOf(late)} heard its turn {Stopwatch.GetElapsedTime(origin, late.TurnAt!.Value).TotalMilliseconds:0} ms after place {placeOf(early)} heard its; "
            + $"place {placeOf(late)} heard ({late.Updates} statuses, times from place {placeOf(early)}'s turn): {Told(late.History)}; "
            + $"its connection read these pushes: {Told(late.Pushes)}";
    }

    /// <summary>For each bot in queue order: how long before the latest turn of those ahead of it its own turn came.</summary>
    private List<TimeSpan> Inversions(Func<Entry, long?> placeOf) =>
        [.. InversionPairs(placeOf).Select(p => Stopwatch.GetElapsedTime(p.Early!.TurnAt!.Value, p.Late!.TurnAt!.Value))];

    /// <summary>Each bot whose turn came before that of a bot ahead of it (Early), with the latest such bot ahead (Late).</summary>
    private List<(Entry? Late, Entry? Early)> InversionPairs(Func<Entry, long?> placeOf)
    {
        var turns = Entries
            .Select(e => (Entry: e, Place: placeOf(e)))
            .Where(t => t.Place is not null && t.Entry.TurnAt is not null)
            .OrderBy(t => t.Place)
            .Select(t => t.Entry)
            .ToList();
        var pairs = new List<(Entry?, Entry?)>();
        Entry? latestAhead = null;
        foreach (var entry in turns)
        {
            if (latestAhead is not null && latestAhead.TurnAt > entry.TurnAt)
            {
                pairs.Add((latestAhead, entry));
            }

            if (latestAhead is null || entry.TurnAt > latestAhead.TurnAt)
            {
                latestAhead = entry;
            }
        }

        return pairs;
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

        /// <summary>Statuses kept per bot for <see cref="DescribeLargestInversion"/>: the last ones, where a lost turn shows.</summary>
        public const int HistoryLength = 16;

        private readonly Queue<(long At, uint Position, bool Ready, uint ReadyForMs)> _history = new();
        private readonly Queue<(long At, uint Position, bool Ready, uint ReadyForMs)> _pushes = new();
        private long _last;
        private ulong _lastPushVersion;
        private uint _lowest = uint.MaxValue;

        /// <summary>The last <see cref="HistoryLength"/> statuses heard (Stopwatch ticks).</summary>
        public IReadOnlyList<(long At, uint Position, bool Ready, uint ReadyForMs)> History
        {
            get
            {
                lock (_gate)
                {
                    return [.. _history];
                }
            }
        }

        /// <summary>
        /// The last <see cref="HistoryLength"/> QueueUpdate pushes as the connection read them, in order (Stopwatch ticks):
        /// what the server sent, where <see cref="History"/> is what the client's queue wait made of it.
        /// </summary>
        public IReadOnlyList<(long At, uint Position, bool Ready, uint ReadyForMs)> Pushes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _pushes];
                }
            }
        }

        /// <summary>QueueUpdate pushes read after one the world told later (a lower version than the push before).</summary>
        public int PushesOutOfOrder { get; private set; }

        /// <summary>A QueueUpdate push read from the connection (every one, whether or not the queue wait looked at it).</summary>
        public void Pushed(uint position, bool ready, uint readyForMs, ulong version = 0)
        {
            lock (_gate)
            {
                if (version != 0 && version < _lastPushVersion)
                {
                    PushesOutOfOrder++;
                }

                _lastPushVersion = Math.Max(_lastPushVersion, version);
                if (_pushes.Count == HistoryLength)
                {
                    _pushes.Dequeue();
                }

                _pushes.Enqueue((Stopwatch.GetTimestamp(), position, ready, readyForMs));
            }
        }

        public void Told(uint position, bool ready, string? ticket, uint readyForMs = 0)
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                if (_history.Count == HistoryLength)
                {
                    _history.Dequeue();
                }

                _history.Enqueue((now, position, ready, readyForMs));
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
