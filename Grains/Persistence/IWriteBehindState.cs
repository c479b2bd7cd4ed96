namespace OrleansMmo.Grains.Persistence;

/// <summary>
/// A grain's state kept in memory and written behind to grain storage. Injected into a grain
/// constructor with <see cref="WriteBehindStateAttribute"/>:
/// <c>[WriteBehindState("player", StorageNames.Game)] IWriteBehindState&lt;PlayerState&gt; state</c>.
/// </summary>
/// <remarks>
/// The state is read when the grain activates. Changing <see cref="State"/> writes nothing: say what
/// kind of change it was. <see cref="MarkDirty"/> for changes of little value (movement), which are
/// written within <see cref="WriteBehindOptions.Interval"/>, many changes in one write;
/// <see cref="WriteThroughAsync"/> for changes of value (gold, items, creation), which are written
/// before it returns. Dirty state is also written when the grain deactivates and when the silo shuts
/// down gracefully. Call these from the grain's own turns only, like everything else on a grain.
/// </remarks>
public interface IWriteBehindState<TState>
    where TState : new()
{
    /// <summary>The state in memory. Replacing it marks nothing dirty.</summary>
    TState State { get; set; }

    /// <summary>True once the state was read from, or written to, storage.</summary>
    bool RecordExists { get; }

    /// <summary>True while a change is not yet confirmed written.</summary>
    bool IsDirty { get; }

    /// <summary>
    /// Records a change of little value: it is written within the interval, together with every other
    /// change made meanwhile. Never throws because of the database, never waits for it.
    /// </summary>
    void MarkDirty();

    /// <summary>
    /// Records a change of value and writes the state before returning. Throws
    /// <see cref="StateNotWrittenException"/> when it is not written within
    /// <see cref="WriteBehindOptions.WriteThroughTimeout"/> (every wait included: the grain's own write in
    /// flight, a write-through slot, the storage call, retries) or by <paramref name="cancellationToken"/>
    /// (a caller's own deadline), or when another activation wrote first; the state then stays as it is in
    /// memory (undo the change if it must not stand: the undo is the next thing of this grain written, even
    /// if a storage call of the change was still running and commits later).
    /// </summary>
    Task WriteThroughAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state now if it is dirty (logout, zone change). Bounded and throws like <see cref="WriteThroughAsync"/>.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
