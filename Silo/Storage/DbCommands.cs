using System.Data.Common;

namespace OrleansMmo.Silo.Storage;

/// <summary>Parameterised commands on either engine's connections: values always travel as parameters, never in the SQL text.</summary>
public static class DbCommands
{
    /// <summary>A command for <paramref name="sql"/> with its named <paramref name="parameters"/>, in <paramref name="transaction"/> if given.</summary>
    public static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
