using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// A silo whose write-behind interval is an hour: within a test nothing is written by the timer,
/// so whatever reaches storage was written through, flushed, or written at deactivation or shutdown.
/// </summary>
public abstract class WriteBehindSiloFixture(StorageEngine engine) : StorageSiloFixture(engine)
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("WriteBehind:Interval", "01:00:00")];
}

public sealed class SqliteWriteBehindSiloFixture() : WriteBehindSiloFixture(StorageEngine.Sqlite);

public sealed class PostgresWriteBehindSiloFixture() : WriteBehindSiloFixture(StorageEngine.Postgres);

/// <summary>What write-behind promises, on a real database of each engine through real silos.</summary>
public abstract class WriteBehindBehaviour<TFixture>(TFixture fixture)
    where TFixture : WriteBehindSiloFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task EveryAcknowledgedChangeSurvivesAGracefulStopRightAfterABurst()
    {
        var keys = Enumerable.Range(0, 24).Select(_ => NewKey()).ToList();
        var expected = new Dictionary<string, (long Gold, int Items, int X, long Moves)>();
        await Task.WhenAll(keys.Select(async key =>
        {
            var grain = Fixture.Silo.Grains.GetGrain<IWriteBehindProbeGrain>(key);
            long gold = 0;
            var items = 0;
            for (var i = 1; i <= 40; i++)
            {
                await grain.MoveAsync(i, -i);
                if (i % 10 == 0)
                {
                    gold = await grain.AddGoldAsync(i);
                    items = await grain.GiveItemAsync($"item{i}");
                }
            }

            // Moves after the last write-through: only the shutdown can have written them.
            for (var i = 41; i <= 60; i++)
            {
                await grain.MoveAsync(i, -i);
            }

            lock (expected)
            {
                expected[key] = (gold, items, 60, 60);
            }
        }));
        var stored = await ReadStoredAsync(Fixture.Silo, keys[0]);
        Assert.Equal(40, stored!.X);

        await Fixture.RestartAsync();

        foreach (var key in keys)
        {
            var after = await Fixture.Silo.Grains.GetGrain<IWriteBehindProbeGrain>(key).GetAsync();
            Assert.Equal(expected[key], (after.Gold, after.Items.Count, after.X, after.Moves));
            Assert.Equal(-60, after.Y);
            Assert.False(after.IsDirty);
        }
    }

    [Fact]
    public async Task WriteThroughIsStoredBeforeItReturnsAndMarkDirtyWaitsForItsTurn()
    {
        var key = NewKey();
        var grain = Fixture.Silo.Grains.GetGrain<IWriteBehindProbeGrain>(key);

        await grain.MoveAsync(3, 4);
        Assert.Null(await ReadStoredAsync(Fixture.Silo, key));
        Assert.True((await grain.GetAsync()).IsDirty);

        await grain.AddGoldAsync(25);
        var stored = await ReadStoredAsync(Fixture.Silo, key);
        // The whole state is written: the move made before the write-through is in it.
        Assert.Equal((25L, 3, 4), (stored!.Gold, stored.X, stored.Y));
        Assert.False((await grain.GetAsync()).IsDirty);

        await grain.MoveAsync(5, 6);
        Assert.Equal(3, (await ReadStoredAsync(Fixture.Silo, key))!.X);
        await grain.FlushAsync();
        Assert.Equal(5, (await ReadStoredAsync(Fixture.Silo, key))!.X);
    }

    [Fact]
    public async Task ADirtyStateIsWrittenWhenItsGrainDeactivates()
    {
        var key = NewKey();
        var grain = Fixture.Silo.Grains.GetGrain<IWriteBehindProbeGrain>(key);
        await grain.MoveAsync(7, 8);

        await grain.DeactivateAsync();

        var stored = await Await.Within(PollStoredAsync(Fixture.Silo, key, s => s.X == 7), "the deactivating grain to write its position");
        Assert.Equal(8, stored.Y);
        var reactivated = await grain.GetAsync();
        Assert.Equal((7, 8, true, false), (reactivated.X, reactivated.Y, reactivated.RecordExists, reactivated.IsDirty));
    }

    [Fact]
    public async Task ChangesMarkedDirtyAreWrittenWithinTheIntervalManyInOneWrite()
    {
        var database = await Fixture.NewDatabaseAsync("interval");
        await using var silo = await StorageTestSilo.StartAsync(Fixture.SiloSettings(database, [new("WriteBehind:Interval", "00:00:01")]));
        var keys = Enumerable.Range(0, 8).Select(_ => NewKey()).ToList();

        foreach (var key in keys)
        {
            var grain = silo.Grains.GetGrain<IWriteBehindProbeGrain>(key);
            for (var i = 1; i <= 100; i++)
            {
                await grain.MoveAsync(i, i);
            }
        }

        // No flush, no deactivation: only the timer writes.
        foreach (var key in keys)
        {
            await Await.Within(PollStoredAsync(silo, key, s => s.Moves == 100), $"the timer to write {key}");
        }

        var totals = silo.WriteBehind;
        Assert.Equal(800, totals.Mutations);
        // A burst spans at most two write slots of its grain; without write-behind it would be 800 writes.
        Assert.InRange(totals.Writes, keys.Count, 2 * keys.Count);
        Assert.Equal(0, totals.DirtyStates);
    }

    [Fact]
    public async Task AStaleActivationNeverOverwritesANewerWriteAndDeactivates()
    {
        // Two silos that are not one cluster, on one database: two activations of one grain, as after
        // a network partition. Both read version 1 of the state.
        var database = await Fixture.NewDatabaseAsync("conflict");
        await using var first = await StorageTestSilo.StartAsync(Fixture.SiloSettings(database));
        await using var second = await StorageTestSilo.StartAsync(Fixture.SiloSettings(database));
        var key = NewKey();
        await first.Grains.GetGrain<IWriteBehindProbeGrain>(key).AddGoldAsync(1);
        var stale = first.Grains.GetGrain<IWriteBehindProbeGrain>(key);
        var current = second.Grains.GetGrain<IWriteBehindProbeGrain>(key);
        Assert.Equal(1, (await current.GetAsync()).Gold);

        Assert.Equal(101, await current.AddGoldAsync(100));
        var refused = await Assert.ThrowsAsync<StateNotWrittenException>(() => stale.AddGoldAsync(5));

        Assert.True(refused.IsConflict);
        Assert.Equal(101, (await ReadStoredAsync(second, key))!.Gold);
        Assert.Equal(1, first.WriteBehind.Conflicts);
        Assert.Contains(first.Logs, line => line.Contains("conflicts with a newer version", StringComparison.Ordinal) && line.Contains(key, StringComparison.Ordinal));
        // The stale activation deactivated; the next call reads the stored state.
        var reread = await Await.Within(PollAsync(async () => await stale.GetAsync(), s => s.Gold == 101), "the stale activation to be replaced");
        Assert.False(reread.IsDirty);
    }

    [Fact]
    public async Task AStaleActivationsBackgroundWriteIsRefusedToo()
    {
        var database = await Fixture.NewDatabaseAsync("conflict_timer");
        var fast = new KeyValuePair<string, string?>[] { new("WriteBehind:Interval", "00:00:00.200") };
        await using var first = await StorageTestSilo.StartAsync(Fixture.SiloSettings(database, fast));
        await using var second = await StorageTestSilo.StartAsync(Fixture.SiloSettings(database, fast));
        var key = NewKey();
        var stale = first.Grains.GetGrain<IWriteBehindProbeGrain>(key);
        var current = second.Grains.GetGrain<IWriteBehindProbeGrain>(key);
        await stale.AddGoldAsync(1);
        await current.GetAsync();
        await current.AddGoldAsync(10);

        await stale.MoveAsync(99, 99);

        await Await.Within(PollAsync(() => Task.FromResult(first.WriteBehind.Conflicts), n => n == 1), "the stale timer write to meet the conflict");
        var stored = (await ReadStoredAsync(second, key))!;
        Assert.Equal((11L, 0), (stored.Gold, stored.X));
    }

    protected static string NewKey() => $"wb:{Guid.NewGuid():N}";

    /// <summary>The probe's state as storage holds it now; null when never written.</summary>
    protected static async Task<WriteBehindProbeState?> ReadStoredAsync(StorageTestSilo silo, string key)
    {
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game);
        var state = new GrainState<WriteBehindProbeState>(new WriteBehindProbeState());
        await storage.ReadStateAsync(WriteBehindProbeGrain.StateName, GrainId.Create(WriteBehindProbeGrain.GrainTypeName, key), state);
        return state.RecordExists ? state.State : null;
    }

    protected static Task<WriteBehindProbeState> PollStoredAsync(StorageTestSilo silo, string key, Func<WriteBehindProbeState, bool> condition) =>
        PollAsync(async () => await ReadStoredAsync(silo, key), s => s is not null && condition(s))!;

    protected static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        while (true)
        {
            try
            {
                var value = await read();
                if (condition(value))
                {
                    return value;
                }
            }
            catch (StateNotWrittenException)
            {
                // A call that met the deactivating stale activation: ask again.
            }

            await Task.Delay(50);
        }
    }
}

[Trait("Category", "Storage")]
public sealed class SqliteWriteBehindTests(SqliteWriteBehindSiloFixture fixture)
    : WriteBehindBehaviour<SqliteWriteBehindSiloFixture>(fixture), IClassFixture<SqliteWriteBehindSiloFixture>;

[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
public sealed class PostgresWriteBehindTests(PostgresWriteBehindSiloFixture fixture)
    : WriteBehindBehaviour<PostgresWriteBehindSiloFixture>(fixture), IClassFixture<PostgresWriteBehindSiloFixture>;
