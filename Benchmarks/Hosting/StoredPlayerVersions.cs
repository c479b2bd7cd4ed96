using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// Sum of the stored players' row versions: one per write since each row was created (its first write), so the
/// difference between two readings is the player-state writes the database took in between, counted by the
/// database itself rather than by the silo that asked for them.
/// </summary>
/// <param name="postgres">The run's PostgreSQL connection string; null for the run's SQLite file.</param>
/// <param name="sqliteFile">The run's SQLite file, read when <paramref name="postgres"/> is null.</param>
/// <param name="serviceId">The run's Orleans service id, which keys its rows.</param>
public sealed class StoredPlayerVersions(string? postgres, string sqliteFile, string serviceId)
{
    private const string Query = "SELECT COALESCE(SUM(Version), 0) FROM GrainState WHERE ServiceId = @service AND StateName = 'player'";

    public long Sum()
    {
        // Read-only and unpooled: a reading must not keep the file open or take part in the silo's pool.
        using DbConnection connection = postgres is not null
            ? new NpgsqlConnection(postgres)
            : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = sqliteFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = Query;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@service";
        parameter.Value = serviceId;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
