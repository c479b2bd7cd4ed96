using OrleansMmo.Grains.Persistence;

namespace OrleansMmo.Grains.Diagnostics;

/// <summary>Stored state of a storage canary. Ids are forever.</summary>
[GenerateSerializer, Alias("mmo.StorageCanaryState")]
public sealed class StorageCanaryState
{
    [Id(0)] public long Balance { get; set; }
    [Id(1)] public long Position { get; set; }
}

/// <inheritdoc cref="IStorageCanaryGrain"/>
[GrainType(GrainTypeName)]
public sealed class StorageCanaryGrain([WriteBehindState(StorageCanaryGrain.StateName, StorageNames.Game)] IWriteBehindState<StorageCanaryState> state)
    : Grain, IStorageCanaryGrain
{
    public const string GrainTypeName = "canary";
    public const string StateName = "canary";

    public async Task<long> Deposit(long amount)
    {
        state.State.Balance += amount;
        await state.WriteThroughOrUndoAsync(s => s.Balance -= amount);
        return state.State.Balance;
    }

    public Task Move(long position)
    {
        state.State.Position = position;
        state.MarkDirty();
        return Task.CompletedTask;
    }

    public Task Flush() => state.FlushAsync();

    public Task<StorageCanaryReport> Report() =>
        Task.FromResult(new StorageCanaryReport(state.State.Balance, state.State.Position, state.RecordExists, state.IsDirty));
}
