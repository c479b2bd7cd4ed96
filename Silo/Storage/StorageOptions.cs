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

    /// <summary>The engine these options select.</summary>
    public StorageEngine Engine =>
        string.IsNullOrWhiteSpace(PostgresConnectionString) ? StorageEngine.Sqlite : StorageEngine.Postgres;
}
