using System.Data.Common;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansMmo.Grains;
using OrleansMmo.Silo.Storage;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// What game storage promises, run against a real database of each engine through a real silo:
/// the SQLite and PostgreSQL classes below inherit every test.
/// </summary>
public abstract class GrainStorageBehaviour<TFixture>(TFixture fixture)
    where TFixture : StorageSiloFixture
{
    protected TFixture Fixture { get; } = fixture;

    private IGrainStorage Storage => Fixture.Silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game);

    [Fact]
    public async Task StateSurvivesASiloRestart()
    {
        var key = NewKey();
        await Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(key).SetAsync(42, "kept", new ProbeSword { Name = "blade", Damage = 7 });

        await Fixture.RestartAsync();

        var snapshot = await Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(key).GetAsync();
        Assert.Equal(42, snapshot.Score);
        Assert.Equal("kept", snapshot.Note);
        var sword = Assert.IsType<ProbeSword>(snapshot.Item);
        Assert.Equal(("blade", 7), (sword.Name, sword.Damage));
        Assert.True(snapshot.RecordExists);
    }

    [Fact]
    public async Task ClearedStateStaysClearedAfterARestartAndCanBeWrittenAgain()
    {
        var key = NewKey();
        var grain = Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(key);
        await grain.SetAsync(5, "before");
        await grain.ClearAsync();

        await Fixture.RestartAsync();

        grain = Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(key);
        var cleared = await grain.GetAsync();
        Assert.Equal((0, (string?)null, false), (cleared.Score, cleared.Note, cleared.RecordExists));
        await grain.SetAsync(6, "after");
        Assert.Equal(6, ScoreOf(await ReadAsync(key)));
    }

    [Fact]
    public async Task AStaleWriteIsRejectedAndTheStoredStateIsUnchanged()
    {
        var id = NewGrainId();
        var (stale, current) = await StaleAndCurrentAsync(id);

        stale.State = new ProbeState { Score = 99 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(ProbeGrain.StateName, id, stale));

        var stored = await ReadAsync(id);
        Assert.Equal(2, ScoreOf(stored));
        Assert.Equal(current.ETag, stored.ETag);
    }

    [Fact]
    public async Task TwoFirstWritesOfOneStateStoreOneRowAndRejectTheSecond()
    {
        var id = NewGrainId();
        var first = await ReadAsync(id);
        var second = await ReadAsync(id);
        Assert.Null(first.ETag);

        first.State = new ProbeState { Score = 1 };
        await Storage.WriteStateAsync(ProbeGrain.StateName, id, first);
        second.State = new ProbeState { Score = 2 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(ProbeGrain.StateName, id, second));

        Assert.Equal(1, ScoreOf(await ReadAsync(id)));
        Assert.Equal(1, await CountRowsAsync(id.ToString()));
    }

    [Fact]
    public async Task OfConcurrentWritersHoldingTheSameETagExactlyOneWins()
    {
        var id = NewGrainId();
        var seed = await ReadAsync(id);
        await Storage.WriteStateAsync(ProbeGrain.StateName, id, seed);
        var writers = Enumerable.Range(1, 8).Select(n => new GrainState<ProbeState>(new ProbeState { Score = n }, seed.ETag)).ToList();

        var outcomes = await Task.WhenAll(writers.Select(async writer =>
        {
            await Task.Yield();
            try
            {
                await Storage.WriteStateAsync(ProbeGrain.StateName, id, writer);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Single(outcomes, won => won);
        var winner = writers[Array.IndexOf(outcomes, true)];
        var stored = await ReadAsync(id);
        Assert.Equal((ScoreOf(winner), winner.ETag), (ScoreOf(stored), stored.ETag));
    }

    [Fact]
    public async Task AStaleClearIsRejectedAndTheStoredStateIsUnchanged()
    {
        var id = NewGrainId();
        var (stale, _) = await StaleAndCurrentAsync(id);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(ProbeGrain.StateName, id, stale));

        var stored = await ReadAsync(id);
        Assert.Equal((2, true), (ScoreOf(stored), stored.RecordExists));
    }

    /// <summary>
    /// Orleans' provider alone stores "a", "A" and "0a" under one row (all parse as hex 10) and
    /// ignores the grain type; <see cref="GrainIdentityStorage"/> keys rows by the exact grain id.
    /// </summary>
    [Fact]
    public async Task EveryGrainIdHasItsOwnRowEvenWhenKeysLookAlikeOrTypesShareAStateName()
    {
        // Hex-looking and Guid-looking keys, Orleans' '+' key-extension syntax, and a prefixed key.
        // The class has a database of its own, so bare keys meet no earlier test's rows.
        string[] keys = ["a", "A", "0a", "10", "acct:a", "a+1", Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("D")];
        var writes = new List<(IProbeGrain Grain, string GrainId, int Score)>();
        for (var i = 0; i < keys.Length; i++)
        {
            writes.Add((Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(keys[i]), $"{StorageProbeGrain.GrainTypeName}/{keys[i]}", 100 + i));
            writes.Add((Fixture.Silo.Grains.GetGrain<IOtherStorageProbeGrain>(keys[i]), $"{OtherStorageProbeGrain.GrainTypeName}/{keys[i]}", 200 + i));
        }

        foreach (var (grain, _, score) in writes)
        {
            await grain.SetAsync(score, "distinct");
        }

        foreach (var (_, grainId, score) in writes)
        {
            var state = await ReadAsync(GrainId.Parse(grainId));
            Assert.Equal(score, ScoreOf(state));
            Assert.Equal(1, await CountRowsAsync(grainId));
        }
    }

    [Fact]
    public async Task StoredStateNamesNoDotNetTypeAndReadsIntoARenamedType()
    {
        var key = NewKey();
        await Fixture.Silo.Grains.GetGrain<IStorageProbeGrain>(key).SetAsync(3, "portable", new ProbeSword { Name = "axe", Damage = 9 });

        var payload = await ReadPayloadAsync($"{StorageProbeGrain.GrainTypeName}/{key}");

        var text = Encoding.UTF8.GetString(payload);
        Assert.DoesNotContain(nameof(ProbeState), text, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(ProbeSword), text, StringComparison.Ordinal);
        Assert.DoesNotContain("OrleansMmo", text, StringComparison.Ordinal);
        // The one type the bytes must name (a field declared ProbeItem holds a ProbeSword) is named by its alias.
        Assert.Contains("tests.probe-sword", text, StringComparison.Ordinal);

        var renamed = Assert.IsType<RenamedProbeState>(Fixture.Silo.Services.GetRequiredService<Serializer>().Deserialize<RenamedProbeState>(payload));
        Assert.Equal((3, "portable"), (renamed.Score, renamed.Note));
        Assert.Equal(9, Assert.IsType<ProbeSword>(renamed.Item).Damage);
    }

    [Fact]
    public async Task TheMigratorRunsAgainWithoutChangesAndRecordsItsVersion()
    {
        var scripts = SchemaScripts.Load(Fixture.Engine);
        var migrator = Fixture.Silo.Services.GetRequiredService<SchemaMigrator>();

        var again = await migrator.MigrateAsync();

        Assert.Empty(again.Applied);
        Assert.True(again.QueriesWritten);
        Assert.Equal(scripts.LatestVersion, again.SchemaVersion);
        await using var database = new GameDatabase(Fixture.Options);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var versions = await QueryAsync(connection, "SELECT Version, Name, Checksum FROM SchemaVersion ORDER BY Version", r => (Convert.ToInt32(r.GetValue(0)), r.GetString(1), r.GetString(2)));
        Assert.Equal(scripts.Migrations.Select(m => (m.Version, m.Name, m.Checksum)), versions);
        var queries = await QueryAsync(connection, "SELECT QueryKey, QueryText FROM OrleansQuery", r => (r.GetString(0), r.GetString(1)));
        Assert.Equal(scripts.Queries.OrderBy(q => q.Key).Select(q => (q.Key, q.Value)), queries.OrderBy(q => q.Item1));
    }

    [Fact]
    public async Task MigratorsStartingTogetherOnANewDatabaseApplyEachMigrationOnce()
    {
        var options = await Fixture.NewDatabaseAsync("concurrent_migrators");
        await using var first = new GameDatabase(options);
        await using var second = new GameDatabase(options);

        var results = await Task.WhenAll(
            Task.Run(() => new SchemaMigrator(first, NullLogger<SchemaMigrator>.Instance).MigrateAsync()),
            Task.Run(() => new SchemaMigrator(second, NullLogger<SchemaMigrator>.Instance).MigrateAsync()));

        var latest = SchemaScripts.Load(Fixture.Engine).LatestVersion;
        Assert.All(results, r => Assert.Equal(latest, r.SchemaVersion));
        Assert.Equal(latest, results.Sum(r => r.Applied.Count));
        await using var connection = await first.DataSource.OpenConnectionAsync();
        Assert.Equal(latest, (await QueryAsync(connection, "SELECT Version FROM SchemaVersion", r => r.GetValue(0))).Count);
    }

    [Fact]
    public async Task AMigratorOlderThanTheDatabaseLeavesTheNewerQueriesAlone()
    {
        var options = await Fixture.NewDatabaseAsync("newer_schema");
        await using var database = new GameDatabase(options);
        var migrator = new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync();
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            // As a later build would leave it: a higher version, and its own query text.
            await TestSql.ExecuteAsync(connection, "INSERT INTO SchemaVersion (Version, Name, Checksum) VALUES (9999, 'from_the_future', '')");
            await TestSql.ExecuteAsync(connection, "UPDATE OrleansQuery SET QueryText = 'newer' WHERE QueryKey = 'ReadFromStorageKey'");
        }

        var result = await migrator.MigrateAsync();

        Assert.Equal((9999, false), (result.SchemaVersion, result.QueriesWritten));
        await using var check = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(["newer"], await QueryAsync(check, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'ReadFromStorageKey'", r => r.GetString(0)));
    }

    [Fact]
    public void TheSiloLogsTheEngineAndWhereButNeverThePassword()
    {
        var logs = Fixture.Silo.Logs;

        Assert.Contains(logs, line => line.Contains($"Grain storage: {Fixture.Engine} at ", StringComparison.Ordinal));
        if (Fixture.Password is { Length: > 0 } password)
        {
            Assert.DoesNotContain(logs, line => line.Contains(password, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// One activation writes score 1 (and keeps its now stale ETag); a second activation of the same grain
    /// (say, on another silo) reads that and writes score 2.
    /// </summary>
    private async Task<(GrainState<ProbeState> Stale, GrainState<ProbeState> Current)> StaleAndCurrentAsync(GrainId id)
    {
        var stale = await ReadAsync(id);
        stale.State = new ProbeState { Score = 1 };
        await Storage.WriteStateAsync(ProbeGrain.StateName, id, stale);
        var current = await ReadAsync(id);
        current.State = new ProbeState { Score = 2 };
        await Storage.WriteStateAsync(ProbeGrain.StateName, id, current);
        return (stale, current);
    }

    private static int ScoreOf(GrainState<ProbeState> state) => Assert.IsType<ProbeState>(state.State).Score;

    protected static string NewKey() => $"probe:{Guid.NewGuid():N}";

    private static GrainId NewGrainId() => GrainId.Create(StorageProbeGrain.GrainTypeName, NewKey());

    private Task<GrainState<ProbeState>> ReadAsync(string key) => ReadAsync(GrainId.Create(StorageProbeGrain.GrainTypeName, key));

    private async Task<GrainState<ProbeState>> ReadAsync(GrainId id)
    {
        var state = new GrainState<ProbeState>(new ProbeState());
        await Storage.ReadStateAsync(ProbeGrain.StateName, id, state);
        return state;
    }

    private async Task<int> CountRowsAsync(string grainId)
    {
        await using var database = new GameDatabase(Fixture.Options);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var rows = await QueryAsync(connection, $"SELECT 1 FROM GrainState WHERE GrainId = '{grainId.Replace("'", "''", StringComparison.Ordinal)}'", r => r.GetValue(0));
        return rows.Count;
    }

    private async Task<byte[]> ReadPayloadAsync(string grainId)
    {
        await using var database = new GameDatabase(Fixture.Options);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        var payloads = await QueryAsync(connection, $"SELECT PayloadBinary FROM GrainState WHERE GrainId = '{grainId}'", r => (byte[])r.GetValue(0));
        return Assert.Single(payloads);
    }

    protected static Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> map) =>
        TestSql.QueryAsync(connection, sql, map);
}
