using System.Data;
using System.Data.Common;
using System.Diagnostics;

namespace OrleansMmo.Silo.Storage;

/// <summary>What <see cref="SchemaMigrator.MigrateAsync"/> found and did.</summary>
/// <param name="SchemaVersion">The database's schema version afterwards.</param>
/// <param name="Applied">Migrations applied by this run, in order; empty when the schema was current.</param>
/// <param name="QueriesWritten">False when the database is newer than this build, whose queries are then left alone.</param>
public sealed record SchemaMigrationResult(int SchemaVersion, IReadOnlyList<SchemaMigration> Applied, bool QueriesWritten);

/// <summary>
/// Brings the grain storage schema up to this build's version and writes this build's storage
/// queries into <c>OrleansQuery</c>, all in one transaction.
/// </summary>
/// <remarks>
/// Safe to run again and from several silos at once: PostgreSQL runs it under a transaction-scoped
/// advisory lock, SQLite under <c>BEGIN IMMEDIATE</c> (the database's single write lock), so a second
/// migrator waits, then finds the work done. Applied versions are rows of <c>SchemaVersion</c>.
/// </remarks>
public sealed partial class SchemaMigrator
{
    // Any constant works: advisory locks are per database. "OMMOSCHM" in ASCII.
    private const long PostgresMigrationLockKey = 0x4F4D4D4F5343484D;

    private readonly GameDatabase _database;
    private readonly ILogger<SchemaMigrator> _logger;
    private readonly SchemaScripts _scripts;

    public SchemaMigrator(GameDatabase database, ILogger<SchemaMigrator> logger)
    {
        _database = database;
        _logger = logger;
        _scripts = SchemaScripts.Load(database.Engine);
    }

    public async Task<SchemaMigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        LogStorageLocation(_database.Engine, _database.Location);
        if (_database.SqliteFilePath is { } file && Path.GetDirectoryName(file) is { Length: > 0 } directory)
        {
            // SQLite creates the file but not its directory.
            Directory.CreateDirectory(directory);
        }

        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (_database.Engine == StorageEngine.Sqlite)
        {
            // Persistent in the file, and only settable outside a transaction. WAL lets grain reads
            // run beside the single writer and makes commits far cheaper (~370 vs ~130 writes/s, and
            // ~3,100 with synchronous=NORMAL, which the data source sets per connection).
            var mode = await ScalarAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                LogNotWal(mode as string ?? "unknown");
            }
        }

        // SQLite: Serializable is Microsoft.Data.Sqlite's BEGIN IMMEDIATE, which takes the write lock
        // up front. PostgreSQL: Read Committed, so that the statements after the advisory lock see what
        // a migrator that held the lock before us committed (a Serializable snapshot would predate it).
        var isolation = _database.Engine == StorageEngine.Sqlite ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted;
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        if (_database.Engine == StorageEngine.Postgres)
        {
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresMigrationLockKey});", cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, SchemaVersionTableSql(_database.Engine), cancellationToken).ConfigureAwait(false);
        var recorded = await ReadRecordedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var current = recorded.Count == 0 ? 0 : recorded.Keys.Max();

        foreach (var migration in _scripts.Migrations)
        {
            if (recorded.TryGetValue(migration.Version, out var checksum) && !string.Equals(checksum, migration.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                LogMigrationChanged(migration.Version, migration.Name);
            }
        }

        if (current > _scripts.LatestVersion)
        {
            // A newer build migrated this database. Its queries match its schema; ours might not.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogDatabaseNewer(current, _scripts.LatestVersion);
            return new SchemaMigrationResult(current, [], QueriesWritten: false);
        }

        var applied = new List<SchemaMigration>();
        foreach (var migration in _scripts.Migrations.Where(m => m.Version > current))
        {
            var started = Stopwatch.GetTimestamp();
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO SchemaVersion (Version, Name, Checksum) VALUES (@Version, @Name, @Checksum);",
                cancellationToken,
                ("Version", migration.Version),
                ("Name", migration.Name),
                ("Checksum", migration.Checksum)).ConfigureAwait(false);
            applied.Add(migration);
            var elapsedMilliseconds = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogMigrationApplied(migration.Version, migration.Name, elapsedMilliseconds);
        }

        foreach (var (key, text) in _scripts.Queries)
        {
            await ExecuteAsync(
                connection,
                transaction,
                "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@QueryKey, @QueryText) " +
                "ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;",
                cancellationToken,
                ("QueryKey", key),
                ("QueryText", text)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogSchemaReady(_scripts.LatestVersion, applied.Count, _scripts.Queries.Count);
        return new SchemaMigrationResult(_scripts.LatestVersion, applied, QueriesWritten: true);
    }

    private static string SchemaVersionTableSql(StorageEngine engine) => engine == StorageEngine.Postgres
        ? """
          CREATE TABLE IF NOT EXISTS SchemaVersion
          (
              Version   integer     NOT NULL PRIMARY KEY,
              Name      text        NOT NULL,
              Checksum  text        NOT NULL,
              AppliedOn timestamptz NOT NULL DEFAULT now()
          );
          """
        : """
          CREATE TABLE IF NOT EXISTS SchemaVersion
          (
              Version   INTEGER NOT NULL PRIMARY KEY,
              Name      TEXT    NOT NULL,
              Checksum  TEXT    NOT NULL,
              AppliedOn TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
          ) STRICT;
          """;

    private static async Task<Dictionary<int, string>> ReadRecordedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = DbCommands.Create(connection, transaction, "SELECT Version, Checksum FROM SchemaVersion;");
        var recorded = new Dictionary<int, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            recorded[Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)] = reader.GetString(1);
        }

        return recorded;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = DbCommands.Create(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = DbCommands.Create(connection, transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = LogEvents.StorageLocation, Level = LogLevel.Information, Message = "Grain storage: {Engine} at {Location}")]
    private partial void LogStorageLocation(StorageEngine engine, string location);

    [LoggerMessage(EventId = LogEvents.SchemaMigrationApplied, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name}) in {ElapsedMilliseconds} ms")]
    private partial void LogMigrationApplied(int version, string name, long elapsedMilliseconds);

    [LoggerMessage(EventId = LogEvents.SchemaReady, Level = LogLevel.Information, Message = "Storage schema at version {Version} ({AppliedCount} migrations applied now); {QueryCount} storage queries written")]
    private partial void LogSchemaReady(int version, int appliedCount, int queryCount);

    [LoggerMessage(EventId = LogEvents.SchemaDatabaseNewer, Level = LogLevel.Warning, Message = "Storage schema version {DatabaseVersion} is newer than this build's {BuildVersion}: leaving the storage queries of the newer build in place")]
    private partial void LogDatabaseNewer(int databaseVersion, int buildVersion);

    [LoggerMessage(EventId = LogEvents.SchemaMigrationChanged, Level = LogLevel.Warning, Message = "Schema migration {Version} ({Name}) differs from the one applied to this database: applied migrations must not be edited; add a new one")]
    private partial void LogMigrationChanged(int version, string name);

    [LoggerMessage(EventId = LogEvents.SqliteNotWal, Level = LogLevel.Warning, Message = "SQLite journal mode is {Mode}, not WAL: grain writes will be slow")]
    private partial void LogNotWal(string mode);
}
