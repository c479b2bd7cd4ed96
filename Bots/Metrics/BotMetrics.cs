using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMmo.Protocol;

namespace OrleansMmo.Bots.Metrics;

/// <summary>What the bots count. Gauges (connected, in world) and counters are all summed across processes.</summary>
public enum Counter
{
    Connected,
    InWorld,
    FramesOut,
    FramesIn,
    Registered,
    LoggedIn,
    Resumed,
    CharactersCreated,
    EnteredWorld,
    Moves,
    /// <summary>Moves written to the socket (the raw driver; the bots count moves when answered).</summary>
    MovesSent,
    MovesSkipped,
    /// <summary>Moves answered with an Error frame (MOVE_RATE_LIMITED, RATE_LIMITED, ...) rather than a MoveResponse.</summary>
    MovesRefused,
    MoveCorrections,
    ZoneChanges,
    WorldUpdates,
    EntityUpdates,
    EntitiesLeft,
    ChatSent,
    ChatReceived,
    Requests,
    Disconnects,
    ConnectFailures,
    /// <summary>Times a bot was put in a world's queue instead of entering.</summary>
    Queued,
    /// <summary>QueueUpdate pushes received.</summary>
    QueueUpdates,
    /// <summary>Logins, resumes and registrations the servers answered "later" (BUSY, LOGIN_THROTTLED, RATE_LIMITED), tried again after the time they gave.</summary>
    RetriedLater,
    /// <summary>Attack requests answered (hits and refusals).</summary>
    Attacks,
    Hits,
    Kills,
    /// <summary>Deaths the bot rose from: Respawn answered <c>respawned</c>.</summary>
    Deaths,
    ExperienceGained,
    LevelUps,
    LootGold,
    /// <summary>Hits seen in WorldUpdates (the bot's own and others' it can see).</summary>
    CombatEventsSeen,
    PotionsUsed,
    TradesRequested,
    /// <summary>Trades that completed, counted by their initiator.</summary>
    TradesCompleted,
    // The conservation ledger, added by each bot once, at the end of the run, when it could read its final inventory.
    LedgerBots,
    LedgerBotsUnread,
    LedgerGoldStart,
    LedgerGoldLooted,
    LedgerGoldEnd,
    LedgerItemsStart,
    LedgerItemsLooted,
    LedgerItemsUsed,
    LedgerItemsEnd,
    /// <summary>Bots that stayed their <see cref="BotSettings.StayInWorld"/> and left.</summary>
    LeftAfterStay,
}

/// <summary>
/// The live numbers of one process's bots: interlocked counters, errors by code and one latency
/// histogram per request opcode. Cheap enough to update on every frame of tens of thousands of bots.
/// </summary>
public sealed class BotMetrics
{
    private static readonly Counter[] AllCounters = Enum.GetValues<Counter>();

    private readonly long[] _counters = new long[AllCounters.Length];
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private readonly ConcurrentDictionary<string, long> _refusals = new();
    private readonly ConcurrentDictionary<string, long> _items = new();
    private readonly ConcurrentDictionary<string, LatencyHistogram> _latency = new();
    private readonly long _started = Stopwatch.GetTimestamp();

    public void Increment(Counter counter) => Interlocked.Increment(ref _counters[(int)counter]);

    public void Decrement(Counter counter) => Interlocked.Decrement(ref _counters[(int)counter]);

    public void Add(Counter counter, long amount) => Interlocked.Add(ref _counters[(int)counter], amount);

    public long Get(Counter counter) => Volatile.Read(ref _counters[(int)counter]);

    /// <summary>Counts a failure by its name: an <c>ErrorCode</c>, <c>TIMEOUT</c>, <c>DISCONNECTED_...</c>, <c>CONNECT_FAILED</c>.</summary>
    public void Error(string code) => _errors.AddOrUpdate(code, 1, static (_, count) => count + 1);

    /// <summary>
    /// Counts a documented refusal by its name (an <c>AttackRefusal</c> such as <c>OUT_OF_RANGE</c>, or
    /// <c>MOVE_DEAD</c>): the server declining what the bot's picture of the world got wrong. Not an error.
    /// </summary>
    public void Refusal(string reason) => _refusals.AddOrUpdate(reason, 1, static (_, count) => count + 1);

    /// <summary>
    /// Adds to the conservation ledger of one item id: <paramref name="entry"/> is <c>start</c>, <c>looted</c>,
    /// <c>used</c> or <c>end</c> (see <see cref="MetricsSnapshot.ItemLedger"/>).
    /// </summary>
    public void ItemLedger(string entry, string itemId, long amount) =>
        _items.AddOrUpdate($"{entry}/{itemId}", amount, (_, count) => count + amount);

    public LatencyHistogram Latency(Opcode opcode) => Latency(opcode.ToString());

    public LatencyHistogram Latency(string name) => _latency.GetOrAdd(name, static _ => new LatencyHistogram());

    public MetricsSnapshot Snapshot() => new()
    {
        ElapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 3),
        Counters = AllCounters.ToDictionary(c => c.ToString(), c => Get(c)),
        Errors = new Dictionary<string, long>(_errors),
        Refusals = new Dictionary<string, long>(_refusals),
        ItemLedger = new Dictionary<string, long>(_items),
        Latency = _latency.ToDictionary(l => l.Key, l => l.Value.ToSparse()),
    };
}

/// <summary>Cumulative numbers at one moment; what a worker process sends its parent once a second.</summary>
public sealed class MetricsSnapshot
{
    public double ElapsedSeconds { get; set; }

    public Dictionary<string, long> Counters { get; set; } = [];

    public Dictionary<string, long> Errors { get; set; } = [];

    /// <summary>Documented refusals by reason (see <see cref="BotMetrics.Refusal"/>).</summary>
    public Dictionary<string, long> Refusals { get; set; } = [];

    /// <summary>
    /// The conservation ledger per item id, keyed <c>start/ID</c>, <c>looted/ID</c>, <c>used/ID</c> and <c>end/ID</c>:
    /// the counts of that item the bots held when they entered, looted, used, and held at the end (escrow included).
    /// </summary>
    public Dictionary<string, long> ItemLedger { get; set; } = [];

    /// <summary>Sparse latency buckets (see <see cref="LatencyHistogram"/>) by request name.</summary>
    public Dictionary<string, Dictionary<int, long>> Latency { get; set; } = [];

    public long Counter(Counter counter) => Counters.GetValueOrDefault(counter.ToString());

    /// <summary>How much the named counter grew from <paramref name="earlier"/> to this snapshot.</summary>
    public long CounterSince(MetricsSnapshot earlier, string name) => Counters.GetValueOrDefault(name) - earlier.Counters.GetValueOrDefault(name);

    /// <summary>The sum of several processes' snapshots (elapsed: the longest).</summary>
    public static MetricsSnapshot Sum(IReadOnlyCollection<MetricsSnapshot> snapshots)
    {
        var sum = new MetricsSnapshot { ElapsedSeconds = snapshots.Count == 0 ? 0 : snapshots.Max(s => s.ElapsedSeconds) };
        foreach (var snapshot in snapshots)
        {
            foreach (var (name, value) in snapshot.Counters)
            {
                sum.Counters[name] = sum.Counters.GetValueOrDefault(name) + value;
            }

            foreach (var (name, value) in snapshot.Errors)
            {
                sum.Errors[name] = sum.Errors.GetValueOrDefault(name) + value;
            }

            foreach (var (name, value) in snapshot.Refusals)
            {
                sum.Refusals[name] = sum.Refusals.GetValueOrDefault(name) + value;
            }

            foreach (var (name, value) in snapshot.ItemLedger)
            {
                sum.ItemLedger[name] = sum.ItemLedger.GetValueOrDefault(name) + value;
            }
        }

        foreach (var name in snapshots.SelectMany(s => s.Latency.Keys).Distinct())
        {
            sum.Latency[name] = LatencyHistogram.Merge(snapshots.Where(s => s.Latency.ContainsKey(name)).Select(s => s.Latency[name]));
        }

        return sum;
    }

    /// <summary>Latency buckets of several request kinds together.</summary>
    public Dictionary<int, long> LatencyOf(IEnumerable<string> names) =>
        LatencyHistogram.Merge(names.Where(Latency.ContainsKey).Select(n => Latency[n]));
}
