using OrleansMmo.Grains;
using OrleansMmo.Grains.Persistence;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// A player in miniature, for write-behind tests: gold and items are changes of value (written
/// through, undone when the write fails), the position is a change of little value (marked dirty).
/// Grain type "wbprobe". Key: any string.
/// </summary>
[Alias("OrleansMmo.Tests.Persistence.IWriteBehindProbeGrain")]
public interface IWriteBehindProbeGrain : IGrainWithStringKey
{
    /// <summary>Adds gold, written through; returns the new balance.</summary>
    [Alias("AddGold")]
    Task<long> AddGoldAsync(long amount);

    /// <summary>Adds an item, written through; returns the item count.</summary>
    [Alias("GiveItem")]
    Task<int> GiveItemAsync(string item);

    /// <summary>Moves: marked dirty, never waits for the database.</summary>
    [Alias("Move")]
    Task MoveAsync(int x, int y);

    [Alias("Flush")]
    Task FlushAsync();

    [Alias("Get")]
    Task<WriteBehindProbeSnapshot> GetAsync();

    /// <summary>Deactivates after this call (as idle collection would).</summary>
    [Alias("Deactivate")]
    Task DeactivateAsync();
}

[GenerateSerializer, Alias("tests.wb-probe-state")]
public sealed class WriteBehindProbeState
{
    [Id(0)] public long Gold { get; set; }
    [Id(1)] public List<string> Items { get; set; } = [];
    [Id(2)] public int X { get; set; }
    [Id(3)] public int Y { get; set; }
    /// <summary>Moves made, so a test can tell which move a stored position came from.</summary>
    [Id(4)] public long Moves { get; set; }
}

[GenerateSerializer, Alias("tests.wb-probe-snapshot")]
public sealed record WriteBehindProbeSnapshot(
    [property: Id(0)] long Gold,
    [property: Id(1)] IReadOnlyList<string> Items,
    [property: Id(2)] int X,
    [property: Id(3)] int Y,
    [property: Id(4)] long Moves,
    [property: Id(5)] bool RecordExists,
    [property: Id(6)] bool IsDirty);

[GrainType(GrainTypeName)]
public sealed class WriteBehindProbeGrain([WriteBehindState(WriteBehindProbeGrain.StateName, StorageNames.Game)] IWriteBehindState<WriteBehindProbeState> state)
    : Grain, IWriteBehindProbeGrain
{
    public const string GrainTypeName = "wbprobe";
    public const string StateName = "probe";

    public async Task<long> AddGoldAsync(long amount)
    {
        state.State.Gold += amount;
        await state.WriteThroughOrUndoAsync(s => s.Gold -= amount);
        return state.State.Gold;
    }

    public async Task<int> GiveItemAsync(string item)
    {
        state.State.Items.Add(item);
        await state.WriteThroughOrUndoAsync(s => s.Items.RemoveAt(s.Items.Count - 1));
        return state.State.Items.Count;
    }

    public Task MoveAsync(int x, int y)
    {
        state.State.X = x;
        state.State.Y = y;
        state.State.Moves++;
        state.MarkDirty();
        return Task.CompletedTask;
    }

    public Task FlushAsync() => state.FlushAsync();

    public Task<WriteBehindProbeSnapshot> GetAsync() => Task.FromResult(new WriteBehindProbeSnapshot(
        state.State.Gold, [.. state.State.Items], state.State.X, state.State.Y, state.State.Moves, state.RecordExists, state.IsDirty));

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
