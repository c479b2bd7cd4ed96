using System.Diagnostics.Metrics;

namespace OrleansMmo.Grains.Persistence;

/// <summary>Totals since the silo started, as the metrics report them.</summary>
/// <param name="Mutations">MarkDirty and WriteThrough calls.</param>
/// <param name="Writes">Successful storage writes.</param>
/// <param name="FailedWrites">Storage writes that failed (each retry counts).</param>
/// <param name="Conflicts">Writes refused because another activation wrote first.</param>
/// <param name="Lost">Dirty states given up at deactivation after <see cref="WriteBehindOptions.FlushTimeout"/>.</param>
/// <param name="DirtyStates">States with unsaved changes right now.</param>
/// <param name="WriteThroughTimeouts">Write-throughs and flushes that gave up at their time bound (any stage).</param>
/// <param name="AbandonedWritesStored">Storage calls left running by a write-through that gave up, which then committed (and were written over).</param>
public sealed record WriteBehindTotals(long Mutations, long Writes, long FailedWrites, long Conflicts, long Lost, long DirtyStates,
    long WriteThroughTimeouts = 0, long AbandonedWritesStored = 0)
{
    /// <summary>Mutations per storage write: how many changes write-behind folds into one write. 0 before the first write.</summary>
    public double CoalescingRatio => Writes == 0 ? 0 : (double)Mutations / Writes;
}

/// <summary>
/// Write-behind instruments on the meter <see cref="MeterName"/>, one set per silo (created through the
/// host's <see cref="IMeterFactory"/>), plus the same totals for code that reads them directly.
/// </summary>
public sealed class WriteBehindMetrics : IDisposable
{
    public const string MeterName = "OrleansMmo.Persistence";

    private readonly Meter _meter;
    private readonly Counter<long> _mutations;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _failedWrites;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _writeThroughTimeouts;
    private readonly Counter<long> _abandonedStored;
    private readonly Histogram<double> _writeDuration;
    private long _mutationCount;
    private long _writeCount;
    private long _failedCount;
    private long _conflictCount;
    private long _lostCount;
    private long _dirtyCount;
    private long _timeoutCount;
    private long _abandonedStoredCount;

    public WriteBehindMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _mutations = _meter.CreateCounter<long>("orleansmmo.persistence.mutations", "{mutation}", "State changes recorded: MarkDirty and WriteThrough calls.");
        _writes = _meter.CreateCounter<long>("orleansmmo.persistence.writes", "{write}", "Successful storage writes.");
        _failedWrites = _meter.CreateCounter<long>("orleansmmo.persistence.write_failures", "{write}", "Storage writes that failed; each retry counts.");
        _conflicts = _meter.CreateCounter<long>("orleansmmo.persistence.conflicts", "{conflict}", "Writes refused because another activation of the grain wrote first.");
        _lost = _meter.CreateCounter<long>("orleansmmo.persistence.lost", "{state}", "Dirty states given up at deactivation after the flush timeout.");
        _writeThroughTimeouts = _meter.CreateCounter<long>("orleansmmo.persistence.write_through_timeouts", "{write}",
            "Write-throughs and flushes that gave up at their time bound; tag stage: previous_write, slot or storage (where the time ran out).");
        _abandonedStored = _meter.CreateCounter<long>("orleansmmo.persistence.abandoned_writes_stored", "{write}",
            "Storage calls a write-through gave up on that committed later; the state in memory was written over them.");
        _writeDuration = _meter.CreateHistogram<double>("orleansmmo.persistence.write.duration", "s", "Duration of one storage write, successful or not.");
        _meter.CreateObservableUpDownCounter("orleansmmo.persistence.dirty_states", () => Volatile.Read(ref _dirtyCount), "{state}", "Grain states with changes not yet written.");
        _meter.CreateObservableGauge("orleansmmo.persistence.coalescing_ratio", () => Totals.CoalescingRatio, "{mutation}/{write}", "Mutations per storage write since the silo started.");
    }

    public WriteBehindTotals Totals => new(
        Volatile.Read(ref _mutationCount),
        Volatile.Read(ref _writeCount),
        Volatile.Read(ref _failedCount),
        Volatile.Read(ref _conflictCount),
        Volatile.Read(ref _lostCount),
        Volatile.Read(ref _dirtyCount),
        Volatile.Read(ref _timeoutCount),
        Volatile.Read(ref _abandonedStoredCount));

    internal void Mutated(string stateName)
    {
        Interlocked.Increment(ref _mutationCount);
        _mutations.Add(1, new KeyValuePair<string, object?>("state", stateName));
    }

    internal void Wrote(string stateName, double seconds)
    {
        Interlocked.Increment(ref _writeCount);
        var tag = new KeyValuePair<string, object?>("state", stateName);
        _writes.Add(1, tag);
        _writeDuration.Record(seconds, tag);
    }

    internal void WriteFailed(string stateName, double seconds)
    {
        Interlocked.Increment(ref _failedCount);
        var tag = new KeyValuePair<string, object?>("state", stateName);
        _failedWrites.Add(1, tag);
        _writeDuration.Record(seconds, tag);
    }

    internal void Conflicted(string stateName)
    {
        Interlocked.Increment(ref _conflictCount);
        _conflicts.Add(1, new KeyValuePair<string, object?>("state", stateName));
    }

    internal void Lost(string stateName)
    {
        Interlocked.Increment(ref _lostCount);
        _lost.Add(1, new KeyValuePair<string, object?>("state", stateName));
    }

    internal void WriteThroughTimedOut(string stateName, string stage)
    {
        Interlocked.Increment(ref _timeoutCount);
        _writeThroughTimeouts.Add(1, new KeyValuePair<string, object?>("state", stateName), new KeyValuePair<string, object?>("stage", stage));
    }

    internal void AbandonedWriteStored(string stateName)
    {
        Interlocked.Increment(ref _abandonedStoredCount);
        _abandonedStored.Add(1, new KeyValuePair<string, object?>("state", stateName));
    }

    internal void DirtyChanged(int delta) => Interlocked.Add(ref _dirtyCount, delta);

    public void Dispose() => _meter.Dispose();
}
