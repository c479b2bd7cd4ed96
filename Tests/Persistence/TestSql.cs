using System.Data.Common;

namespace OrleansMmo.Tests.Persistence;

/// <summary>Plain SQL against a test database, for looking under the storage provider.</summary>
internal static class TestSql
{
    public static async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> map)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
