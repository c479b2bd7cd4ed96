using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansMmo.Silo.Storage;

namespace OrleansMmo.Tests.Persistence;

/// <summary>Game storage on a real SQLite file: the shared behaviour, plus what is SQLite's own.</summary>
[Trait("Category", "Storage")]
public sealed class SqliteGrainStorageTests(SqliteStorageSiloFixture fixture)
    : GrainStorageBehaviour<SqliteStorageSiloFixture>(fixture), IClassFixture<SqliteStorageSiloFixture>
{
    [Fact]
    public async Task AMissingDirectoryIsCreated()
    {
        var root = Path.GetDirectoryName((await Fixture.NewDatabaseAsync("missing_directory")).SqlitePath)!;
        var options = new StorageOptions { SqlitePath = Path.Combine(root, "not", "there", "yet", "game.db") };
        await using var database = new GameDatabase(options);

        await new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance).MigrateAsync();

        Assert.True(File.Exists(options.SqlitePath));
    }

    [Fact]
    public async Task ARelativePathIsResolvedAgainstTheCurrentDirectory()
    {
        var options = new StorageOptions { SqlitePath = Path.Combine("data", "game.db") };
        await using var database = new GameDatabase(options);

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "data", "game.db"), database.SqliteFilePath);
    }

    [Fact]
    public async Task ConnectionsUseWalNormalSyncAndTheBusyTimeout()
    {
        await using var database = new GameDatabase(Fixture.Options);
        await using var connection = await database.DataSource.OpenConnectionAsync();

        var settings = await QueryAsync(
            connection,
            "SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous), (SELECT timeout FROM pragma_busy_timeout)",
            r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)));

        // synchronous 1 = NORMAL.
        Assert.Equal(("wal", 1L, (long)Fixture.Options.SqliteBusyTimeout.TotalMilliseconds), Assert.Single(settings));
    }

    [Fact]
    public void OrleansOpensItsConnectionsThroughTheTunedDataSource()
    {
        var services = Fixture.Silo.Services;

        var adoNet = services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(StorageHostingExtensions.AdoNetProviderName);

        Assert.Same(services.GetRequiredService<GameDatabase>().DataSource, adoNet.DataSource);
        Assert.Null(adoNet.ConnectionString);
        Assert.Equal(GameDatabase.SqliteInvariant, adoNet.Invariant);
        Assert.IsType<OrleansGrainStorageSerializer>(adoNet.GrainStorageSerializer);
    }
}
