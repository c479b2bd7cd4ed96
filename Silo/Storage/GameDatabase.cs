using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// The database that holds grain state: which engine, how to open connections, and where it is
/// (for logs: a file path, or host, port and database name, never credentials).
/// </summary>
public sealed class GameDatabase : IAsyncDisposable
{
    /// <summary>
    /// ADO.NET invariant for SQLite. Orleans maps "System.Data.SQLite" to Microsoft.Data.Sqlite's
    /// factory; the invariant "Microsoft.Data.Sqlite" is unknown to it and aborts the silo at start.
    /// </summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    /// <summary>ADO.NET invariant for PostgreSQL.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>
    /// Npgsql's <c>Max Auto Prepare</c> unless the configured connection string sets it: the most statements each
    /// connection keeps prepared on the server once used a few times (Npgsql's own default, 0, prepares none).
    /// </summary>
    public const int DefaultPostgresMaxAutoPrepare = 20;

    /// <summary>Name of SQLite's threads (<c>/proc/self/task/*/comm</c> on Linux), followed by their index.</summary>
    public const string SqliteThreadNamePrefix = "mmo-sqlite-";

    private readonly DbDataSource _dataSource;
    private readonly SqliteThreads? _sqliteThreads;

    public GameDatabase(StorageOptions options)
    {
        Engine = options.Engine;
        if (Engine == StorageEngine.Postgres)
        {
            var builder = PostgresConnection(options.PostgresConnectionString!);
            Location = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
            _dataSource = NpgsqlDataSource.Create(builder);
        }
        else
        {
            SqliteFilePath = Path.GetFullPath(options.SqlitePath);
            Location = SqliteFilePath;
            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = SqliteFilePath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.SqliteBusyTimeout.TotalSeconds)),
            };
            _dataSource = new SqliteGameDataSource(builder.ToString(), options.SqliteBusyTimeout);
            if (options.SqliteThreads > 0)
            {
                _sqliteThreads = new SqliteThreads(options.SqliteThreads, options.SqliteThreadNice);
            }
        }
    }

    /// <summary>Whether SQLite's work runs on threads of its own (<see cref="StorageOptions.SqliteThreads"/>).</summary>
    public bool HasSqliteThreads => _sqliteThreads is not null;

    /// <summary>
    /// Runs <paramref name="work"/>, a unit of database work (open, commands, transaction), where it belongs: on SQLite's
    /// threads of its own when there are any (<see cref="SqliteThreads"/>), in place otherwise (PostgreSQL).
    /// </summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work) => _sqliteThreads is { } threads ? threads.Run(work) : work();

    /// <inheritdoc cref="RunAsync{T}(Func{Task{T}})"/>
    public Task RunAsync(Func<Task> work) => _sqliteThreads is { } threads ? threads.Run(work) : work();

    public StorageEngine Engine { get; }

    /// <summary>The configured PostgreSQL connection string with the silo's defaults for what it leaves unset.</summary>
    public static NpgsqlConnectionStringBuilder PostgresConnection(string configured)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured);
        // Every grain read and write is one of three statements (docs/persistence.md). Unprepared, PostgreSQL parses
        // and plans each one again, which was about half of its CPU per write: prepared after their first uses, the
        // database's CPU per player-state write fell from ~260 to ~138 us and writes at its limit rose from ~5,100 to
        // ~8,300 a second (storage-writes benchmark, docs/benchmarks/README.md). A connection string that says otherwise
        // wins (behind PgBouncer in transaction mode before 1.21 prepared statements do not survive: Max Auto Prepare=0).
        if (!Sets(configured, "maxautoprepare"))
        {
            builder.MaxAutoPrepare = DefaultPostgresMaxAutoPrepare;
        }

        return builder;

        // Npgsql's builder reports every keyword it knows as present, set or not: ask the raw string.
        static bool Sets(string connectionString, string keyword) =>
            new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
                .Cast<string>()
                .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The ADO.NET invariant Orleans' storage provider expects for <see cref="Engine"/>.</summary>
    public string AdoInvariant => Engine == StorageEngine.Postgres ? PostgresInvariant : SqliteInvariant;

    /// <summary>Opens connections with the engine's per-connection settings applied.</summary>
    public DbDataSource DataSource => _dataSource;

    /// <summary>Full path of the SQLite file; null for PostgreSQL.</summary>
    public string? SqliteFilePath { get; }

    /// <summary>Where the data is, safe to log.</summary>
    public string Location { get; }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _sqliteThreads?.Dispose();
        if (_dataSource is SqliteGameDataSource)
        {
            // Pooled handles keep the file (and its -wal/-shm) open after the silo stops.
            using var connection = new SqliteConnection(_dataSource.ConnectionString);
            GuardedSqliteConnection.ClearPoolGuarded(connection);
        }
    }
}
