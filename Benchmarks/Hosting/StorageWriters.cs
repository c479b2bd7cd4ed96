using OrleansMmo.Grains;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// Fixture-only, run inside the storage-writes benchmark's silo: many grains whose player state changes all the
/// time, so the write-behind path writes as fast as the database takes it. Each is a
/// <see cref="StorageWriterGrain"/>: a real <see cref="PlayerState"/> (name, zone, position, the starting gold and
/// items) under the state name <c>player</c>, kept by the same <c>[WriteBehindState]</c> facet, write slots and
/// grain storage as a Player grain. The state changes on a grain timer, not through the gateway, so the machine's
/// two cores go to the silo's storage path and the database rather than to bots (the write-behind and requests
/// benchmarks measure those).
/// </summary>
public static class StorageWriters
{
    public const string Setting = "--bench-storage-writers=";
    public const string DoneLine = "WRITERS ";

    /// <summary>A spec: <c>count:changeMilliseconds</c>.</summary>
    public static string Spec(int count, TimeSpan changeEvery) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count}:{(int)changeEvery.TotalMilliseconds}");

    /// <summary>Activates the writers (each writes its row once, through) and returns how many run.</summary>
    public static async Task<int> StartAsync(IServiceProvider services, string spec, CancellationToken cancellationToken)
    {
        var parts = spec.Split(':');
        var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var changeEvery = TimeSpan.FromMilliseconds(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        var grains = services.GetRequiredService<IGrainFactory>();
        var started = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (index, _) =>
        {
            await grains.GetGrain<IStorageWriterGrain>(index).Start(changeEvery);
            Interlocked.Increment(ref started);
        });
        return started;
    }
}

/// <summary>A benchmark grain whose player state changes on a timer. Key: its index.</summary>
[Alias("OrleansMmo.Benchmarks.IStorageWriterGrain")]
public interface IStorageWriterGrain : IGrainWithIntegerKey
{
    /// <summary>Writes the state once (the row exists before anything is measured), then changes it every <paramref name="changeEvery"/>.</summary>
    [Alias("Start")]
    Task Start(TimeSpan changeEvery);
}

/// <inheritdoc cref="IStorageWriterGrain"/>
[GrainType("benchwriter")]
public sealed class StorageWriterGrain(
    [WriteBehindState("player", StorageNames.Game)] IWriteBehindState<PlayerState> state,
    GameDataCatalog gameData)
    : Grain, IStorageWriterGrain
{
    private IGrainTimer? _timer;

    public async Task Start(TimeSpan changeEvery)
    {
        if (_timer is not null)
        {
            return;
        }

        var player = state.State;
        player.Name = $"writer{this.GetPrimaryKeyLong():D6}";
        player.ZoneId = gameData.StartZone;
        player.WorldId = gameData.DefaultWorld;
        player.Gold = gameData.StartingGold;
        player.Inventory = [.. gameData.StartingItems];
        player.CreatedAt = DateTimeOffset.UtcNow;
        player.AccountKey = $"acct:writer{this.GetPrimaryKeyLong():D6}";
        await state.WriteThroughAsync();
        // A random first change spreads the grains over the period, as players' moves are.
        _timer = this.RegisterGrainTimer(
            Change,
            new GrainTimerCreationOptions(changeEvery * Random.Shared.NextDouble(), changeEvery) { KeepAlive = true });
    }

    private Task Change()
    {
        // A step, as a move would make: a change of little value, written behind.
        var position = state.State.Position;
        state.State.Position = new Position((position.X + 0.5f) % 100, position.Y);
        state.MarkDirty();
        return Task.CompletedTask;
    }
}
