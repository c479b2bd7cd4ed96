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

    private readonly DbDataSource _dataSource;

    public GameDatabase(StorageOptions options)
    {
        Engine = options.Engine;
        if (Engine == StorageEngine.Postgres)
        {
            var builder = new NpgsqlConnectionStringBuilder(options.PostgresConnectionString);
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
        }
    }

    public StorageEngine Engine { get; }

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
        if (_dataSource is SqliteGameDataSource)
        {
            // Pooled handles keep the file (and its -wal/-shm) open after the silo stops.
            using var connection = new SqliteConnection(_dataSource.ConnectionString);
            GuardedSqliteConnection.ClearPoolGuarded(connection);
        }
    }
}
