namespace OrleansMmo.Silo.Storage;

/// <summary>
/// Where grain state is kept. Bound from the <c>Storage</c> section, plus
/// <c>ConnectionStrings:Postgres</c>, whose presence selects PostgreSQL.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Name under <c>ConnectionStrings</c> of the PostgreSQL connection string.</summary>
    public const string PostgresConnectionStringName = "Postgres";

    /// <summary>
    /// Npgsql connection string, taken from <c>ConnectionStrings:Postgres</c> only. Non-empty selects
    /// PostgreSQL; empty selects SQLite at <see cref="SqlitePath"/>.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>SQLite database file. A relative path is resolved against the current directory; a missing directory is created.</summary>
    public string SqlitePath { get; set; } = "data/orleansmmo.db";

    /// <summary>
    /// How long a SQLite write waits for another writer's lock before it fails. SQLite has one writer
    /// at a time; a short wait is normal under load and must not surface as a failed grain write.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Threads of their own on which every SQLite read and write of the silo runs (grain state, session records, the
    /// audit log), 0-64; 0 runs them on the caller's thread, the thread pool the grains share. Microsoft.Data.Sqlite
    /// has no asynchronous I/O, so its calls, and SQLite's sleeps while another connection holds the write lock, hold
    /// whichever thread runs them. Not used for PostgreSQL, whose driver is asynchronous.
    /// </summary>
    public int SqliteThreads { get; set; } = 2;

    /// <summary>The Linux nice value of <see cref="SqliteThreads"/>, 0-19 (higher yields the cores sooner): players' requests come before storage work when the cores are short.</summary>
    public int SqliteThreadNice { get; set; } = 5;

    /// <summary>The engine these options select.</summary>
    public StorageEngine Engine =>
        string.IsNullOrWhiteSpace(PostgresConnectionString) ? StorageEngine.Sqlite : StorageEngine.Postgres;
}
