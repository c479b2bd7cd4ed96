using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansMmo.Silo.Storage;

namespace OrleansMmo.Tests.Persistence;

/// <summary>How configuration selects and validates storage, without starting a silo.</summary>
[Trait("Category", "Unit")]
public sealed class StorageConfigurationTests
{
    [Fact]
    public void WithNoConfigurationStorageIsASqliteFileUnderData()
    {
        var options = Resolve([]);

        Assert.Equal(StorageEngine.Sqlite, options.Engine);
        Assert.Equal("data/orleansmmo.db", options.SqlitePath);
    }

    [Fact]
    public async Task APostgresConnectionStringSelectsPostgres()
    {
        var options = Resolve(new() { ["ConnectionStrings:Postgres"] = "Host=db;Database=mmo;Username=mmo;Password=secret" });

        Assert.Equal(StorageEngine.Postgres, options.Engine);
        await using var database = new GameDatabase(options);
        Assert.Equal("db:5432/mmo", database.Location);
        Assert.Equal(GameDatabase.PostgresInvariant, database.AdoInvariant);
    }

    [Fact]
    public async Task PostgresConnectionsPrepareTheirStatementsAutomaticallyByDefault()
    {
        await using var database = new GameDatabase(new StorageOptions { PostgresConnectionString = "Host=db;Database=mmo;Username=mmo;Password=secret" });

        var used = new NpgsqlConnectionStringBuilder(Assert.IsType<NpgsqlDataSource>(database.DataSource, exactMatch: false).ConnectionString);

        Assert.Equal(GameDatabase.DefaultPostgresMaxAutoPrepare, used.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", 0)]
    [InlineData("MaxAutoPrepare=5", 5)]
    [InlineData("max auto prepare=50", 50)]
    public async Task AConnectionStringThatSetsMaxAutoPrepareWins(string setting, int expected)
    {
        await using var database = new GameDatabase(new StorageOptions { PostgresConnectionString = $"Host=db;Database=mmo;Username=mmo;Password=secret;{setting}" });

        var used = new NpgsqlConnectionStringBuilder(Assert.IsType<NpgsqlDataSource>(database.DataSource, exactMatch: false).ConnectionString);

        Assert.Equal(expected, used.MaxAutoPrepare);
    }

    [Fact]
    public void AnEmptyPostgresConnectionStringKeepsSqlite()
    {
        var options = Resolve(new() { ["ConnectionStrings:Postgres"] = "", ["Storage:SqlitePath"] = "/var/lib/mmo/game.db" });

        Assert.Equal(StorageEngine.Sqlite, options.Engine);
        Assert.Equal("/var/lib/mmo/game.db", options.SqlitePath);
    }

    [Fact]
    public void AnEmptySqlitePathFailsValidation()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Storage:SqlitePath"] = " " }));

        Assert.Contains("Storage:SqlitePath is empty", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABrokenPostgresConnectionStringFailsValidationWithoutShowingThePassword()
    {
        var failure = Assert.Throws<OptionsValidationException>(() =>
            Resolve(new() { ["ConnectionStrings:Postgres"] = "Host=db;Password=hunter2;Colour=blue" }));

        Assert.Contains("ConnectionStrings:Postgres", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageEngine.Sqlite)]
    [InlineData(StorageEngine.Postgres)]
    public void EachEngineEmbedsNumberedMigrationsAndEveryQueryOrleansNeeds(StorageEngine engine)
    {
        var scripts = SchemaScripts.Load(engine);

        Assert.Equal(Enumerable.Range(1, scripts.Migrations.Count), scripts.Migrations.Select(m => m.Version));
        Assert.All(SchemaScripts.RequiredQueryKeys, key => Assert.Contains(key, scripts.Queries.Keys));
    }

    private static StorageOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOrleans(silo => silo.AddMmoGrainStorage(configuration));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<StorageOptions>>().Value;
    }
}
