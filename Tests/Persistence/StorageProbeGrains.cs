using OrleansMmo.Grains;

namespace OrleansMmo.Tests.Persistence;

/// <summary>What the probe grains do: keep one <see cref="ProbeState"/> in game storage.</summary>
[Alias("OrleansMmo.Tests.Persistence.IProbeGrain")]
public interface IProbeGrain : IGrainWithStringKey
{
    [Alias("Set")]
    Task SetAsync(int score, string note, ProbeItem? item = null);

    [Alias("Get")]
    Task<ProbeSnapshot> GetAsync();

    [Alias("Clear")]
    Task ClearAsync();
}

/// <summary>Grain type "storageprobe". Key: any string.</summary>
[Alias("OrleansMmo.Tests.Persistence.IStorageProbeGrain")]
public interface IStorageProbeGrain : IProbeGrain;

/// <summary>Grain type "otherstorageprobe": same state name and keys as <see cref="IStorageProbeGrain"/>, its own rows. Key: any string.</summary>
[Alias("OrleansMmo.Tests.Persistence.IOtherStorageProbeGrain")]
public interface IOtherStorageProbeGrain : IProbeGrain;

[GenerateSerializer, Alias("tests.probe-state")]
public sealed class ProbeState
{
    [Id(0)] public int Score { get; set; }
    [Id(1)] public string? Note { get; set; }
    [Id(2)] public ProbeItem? Item { get; set; }
}

/// <summary>The same fields as <see cref="ProbeState"/> under another name: a renamed state type.</summary>
[GenerateSerializer, Alias("tests.probe-state-renamed")]
public sealed class RenamedProbeState
{
    [Id(0)] public int Score { get; set; }
    [Id(1)] public string? Note { get; set; }
    [Id(2)] public ProbeItem? Item { get; set; }
}

[GenerateSerializer, Alias("tests.probe-item")]
public class ProbeItem
{
    [Id(0)] public string Name { get; set; } = "";
}

/// <summary>Stored through a <see cref="ProbeItem"/> field, so its type must be written: by alias.</summary>
[GenerateSerializer, Alias("tests.probe-sword")]
public sealed class ProbeSword : ProbeItem
{
    [Id(0)] public int Damage { get; set; }
}

[GenerateSerializer, Alias("tests.probe-snapshot")]
public sealed record ProbeSnapshot(
    [property: Id(0)] int Score,
    [property: Id(1)] string? Note,
    [property: Id(2)] ProbeItem? Item,
    [property: Id(3)] bool RecordExists);

public abstract class ProbeGrain(IPersistentState<ProbeState> state) : Grain, IProbeGrain
{
    public const string StateName = "probe";

    public async Task SetAsync(int score, string note, ProbeItem? item = null)
    {
        state.State.Score = score;
        state.State.Note = note;
        state.State.Item = item;
        await state.WriteStateAsync();
    }

    public Task<ProbeSnapshot> GetAsync() =>
        Task.FromResult(new ProbeSnapshot(state.State.Score, state.State.Note, state.State.Item, state.RecordExists));

    public Task ClearAsync() => state.ClearStateAsync();
}

[GrainType(GrainTypeName)]
public sealed class StorageProbeGrain([PersistentState(ProbeGrain.StateName, StorageNames.Game)] IPersistentState<ProbeState> state)
    : ProbeGrain(state), IStorageProbeGrain
{
    public const string GrainTypeName = "storageprobe";
}

[GrainType(GrainTypeName)]
public sealed class OtherStorageProbeGrain([PersistentState(ProbeGrain.StateName, StorageNames.Game)] IPersistentState<ProbeState> state)
    : ProbeGrain(state), IOtherStorageProbeGrain
{
    public const string GrainTypeName = "otherstorageprobe";
}
