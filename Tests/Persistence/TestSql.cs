using System.Data.Common;
using OrleansMmo.Silo.Storage;

namespace OrleansMmo.Tests.Persistence;

/// <summary>Plain SQL against a test database, for looking under the storage provider.</summary>
internal static class TestSql
{
    public static async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> map)
    {
        await using var command = DbCommands.Create(connection, null, sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = DbCommands.Create(connection, null, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }
}
