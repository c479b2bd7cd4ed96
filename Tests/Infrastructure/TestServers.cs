using System.Text;
using Npgsql;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// The real servers the suite runs against, and the temp files of the SQLite ones. <c>./test.sh</c> starts
/// a private PostgreSQL and Redis on loopback and passes them in through environment variables; a test
/// that uses one carries the matching <c>[Trait("Needs", …)]</c> (<see cref="TestTraits"/>).
/// </summary>
public static class TestServers
{
    /// <summary>Npgsql connection string of a role that may create databases. Need: <c>Postgres</c>.</summary>
    public const string PostgresVariable = "MMO_TEST_POSTGRES";

    /// <summary>A script taking <c>stop</c> or <c>start</c> for that PostgreSQL server. Need: <c>PostgresControl</c>.</summary>
    public const string PostgresControlVariable = "MMO_TEST_POSTGRES_CTL";

    /// <summary>StackExchange.Redis configuration, e.g. <c>127.0.0.1:56379</c>. Need: <c>Redis</c>.</summary>
    public const string RedisVariable = "MMO_TEST_REDIS";

    /// <summary>Run directory for the native cluster's <c>cluster.sh</c>, inside test.sh's own. Need: <c>NativeCluster</c>.</summary>
    public const string ClusterDirectoryVariable = "MMO_TEST_CLUSTER_DIR";

    /// <summary>The private Redis's StackExchange.Redis configuration (for silos sharing membership).</summary>
    public static string RedisConfiguration => Require(RedisVariable);

    /// <summary>Npgsql connection string of a role that may create databases.</summary>
    public static string PostgresConnectionString => Require(PostgresVariable);

    /// <summary>
    /// Creates an empty database with a unique name, so a test class shares no state with any
    /// other, and returns its connection string.
    /// </summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string purpose, CancellationToken cancellationToken = default)
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
        var name = UniqueDatabaseName(purpose);
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            // A database name cannot be a parameter; UniqueDatabaseName allows only [a-z0-9_].
            command.CommandText = $"CREATE DATABASE {name}";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        server.Database = name;
        return server.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreatePostgresDatabaseAsync"/>, closing its connections.</summary>
    public static async Task DropPostgresDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        await using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        var server = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS {SafeIdentifier(target.Database ?? "")} WITH (FORCE)";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A path for a new SQLite file, in a new, empty directory of its own under the temp directory.</summary>
    public static string NewSqliteFilePath(string purpose)
    {
        var directory = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", $"{SafeIdentifier(purpose)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, "game.db");
    }

    /// <summary>Deletes the directory <see cref="NewSqliteFilePath"/> made, with the database and its WAL files.</summary>
    public static void DeleteSqliteDirectory(string sqliteFilePath)
    {
        var directory = Path.GetDirectoryName(sqliteFilePath);
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere in the process: the temp directory is cleaned by the OS.
        }
    }

    /// <summary>The value of <paramref name="variable"/>; a test reaching here without it lacks its <c>Needs</c> trait.</summary>
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"{variable} is not set: give the test its [Trait(\"Needs\", …)] so it is skipped without it, or run ./test.sh, which sets it")
            : value;
    }

    private static string UniqueDatabaseName(string purpose)
    {
        var name = $"mmo_{SafeIdentifier(purpose)}_{Guid.NewGuid():N}";
        // PostgreSQL truncates identifiers at 63 bytes; keep the unique tail instead.
        return name.Length <= 63 ? name : $"mmo_{name[^58..]}";
    }

    private static string SafeIdentifier(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }

        return builder.Length == 0 ? "x" : builder.ToString();
    }
}
