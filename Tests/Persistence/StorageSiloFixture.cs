using Npgsql;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// One silo per test class on a database of its own, restartable over the same database, plus
/// fresh databases on demand for tests that need an empty one. Everything is removed at the end.
/// </summary>
public abstract class StorageSiloFixture : IAsyncLifetime
{
    private readonly List<StorageOptions> _databases = [];

    public StorageSiloFixture(StorageEngine engine) => Engine = engine;

    public StorageEngine Engine { get; }

    /// <summary>The storage settings of <see cref="Silo"/>.</summary>
    public StorageOptions Options { get; private set; } = null!;

    public StorageTestSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Options = await NewDatabaseAsync("grain_storage");
        Silo = await StorageTestSilo.StartAsync(SiloSettings(Options));
    }

    /// <summary>Settings layered over the storage selection, for fixtures that need other options.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    /// <summary>The settings <see cref="Silo"/> runs with, on the database <paramref name="options"/>.</summary>
    public Dictionary<string, string?> SiloSettings(StorageOptions options, IEnumerable<KeyValuePair<string, string?>>? more = null)
    {
        var settings = Settings(options);
        foreach (var (key, value) in ExtraSettings.Concat(more ?? []))
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Stops the silo gracefully and starts a new one over the same database.</summary>
    public async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        Silo = await StorageTestSilo.StartAsync(SiloSettings(Options));
    }

    /// <summary>Settings for a new, empty database (nothing created in it yet).</summary>
    public async Task<StorageOptions> NewDatabaseAsync(string purpose)
    {
        var options = Engine == StorageEngine.Postgres
            ? new StorageOptions { PostgresConnectionString = await TestServers.CreatePostgresDatabaseAsync(purpose) }
            : new StorageOptions { SqlitePath = TestServers.NewSqliteFilePath(purpose) };
        _databases.Add(options);
        return options;
    }

    /// <summary>Configuration that selects <paramref name="options"/>, as an operator would write it.</summary>
    public static Dictionary<string, string?> Settings(StorageOptions options) => options.Engine == StorageEngine.Postgres
        ? new() { [$"ConnectionStrings:{StorageOptions.PostgresConnectionStringName}"] = options.PostgresConnectionString }
        : new() { [$"{StorageOptions.SectionName}:{nameof(StorageOptions.SqlitePath)}"] = options.SqlitePath };

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            if (database.Engine == StorageEngine.Postgres)
            {
                await TestServers.DropPostgresDatabaseAsync(database.PostgresConnectionString!);
            }
            else
            {
                TestServers.DeleteSqliteDirectory(database.SqlitePath);
            }
        }
    }

    /// <summary>The password in the connection string, to prove it never reaches a log; null for SQLite.</summary>
    public string? Password => Engine == StorageEngine.Postgres
        ? new NpgsqlConnectionStringBuilder(Options.PostgresConnectionString).Password
        : null;
}

public sealed class SqliteStorageSiloFixture() : StorageSiloFixture(StorageEngine.Sqlite);

public sealed class PostgresStorageSiloFixture() : StorageSiloFixture(StorageEngine.Postgres);
