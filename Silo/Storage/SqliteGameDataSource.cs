using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using SQLitePCL;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// Opens SQLite connections with the per-connection settings that grain storage needs.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite has no connection-string keyword for pragmas, and <c>synchronous</c> and
/// <c>busy_timeout</c> belong to a connection, not to the file. Orleans' ADO.NET storage opens every
/// connection through <see cref="DbDataSource.OpenConnectionAsync"/> when it is given a data source,
/// so applying them here covers every grain read and write. They are applied once per native handle:
/// a pooled connection reuses its handle, and the pragmas stay set on it (a handle the pool closes is
/// gone, and a new one is configured when first opened). Running them on every open cost a command, its
/// parsing and its buffers per storage operation: 6.7% of the silo's allocation per session start
/// (docs/benchmarks/README.md, "Session starts allocate less"). The connections are <see cref="GuardedSqliteConnection"/>s: Microsoft.Data.Sqlite's pool alone could hand
/// one a handle inside another connection's transaction, where that <c>PRAGMA synchronous</c> fails.
/// </remarks>
internal sealed class SqliteGameDataSource : DbDataSource
{
    private readonly string _connectionString;
    private readonly string _pragmas;

    // Native handles that have had the pragmas, held weakly: a handle closed by the pool drops out.
    private readonly ConditionalWeakTable<sqlite3, object> _configured = new();

    public SqliteGameDataSource(string connectionString, TimeSpan busyTimeout)
    {
        _connectionString = connectionString;
        // synchronous=NORMAL: in WAL mode a commit no longer waits for an fsync (measured ~3,100 writes/s
        // against ~370 with FULL). A power cut can lose the last commits, never corrupt the file.
        // busy_timeout: SQLite's own wait for another writer's lock, finer-grained than the retry loop
        // Microsoft.Data.Sqlite runs on top of it (bounded by Default Timeout, set to the same value).
        _pragmas = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds};");
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() => new GuardedSqliteConnection(_connectionString);

    protected override DbConnection OpenDbConnection()
    {
        var connection = new GuardedSqliteConnection(_connectionString);
        try
        {
            connection.Open();
            if (NeedsPragmas(connection))
            {
                using var command = connection.CreateCommand();
                command.CommandText = _pragmas;
                command.ExecuteNonQuery();
                Configured(connection);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new GuardedSqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (NeedsPragmas(connection))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = _pragmas;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                Configured(connection);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool NeedsPragmas(GuardedSqliteConnection connection) => connection.Handle is not { } handle || !_configured.TryGetValue(handle, out _);

    private void Configured(GuardedSqliteConnection connection)
    {
        if (connection.Handle is { } handle)
        {
            _configured.AddOrUpdate(handle, this);
        }
    }
}
