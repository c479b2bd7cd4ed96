using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansMmo.Grains.Accounts;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// <see cref="ILegacyCharacterNames"/> on the grain state table: the rows of name grains keyed "name:..."
/// (stored under the grain id "charactername/name:...", see <see cref="GrainIdentityStorage"/>). The same
/// SQL on SQLite and PostgreSQL; paging by the grain id is consistent under any collation.
/// </summary>
internal sealed class SqlLegacyCharacterNames(GameDatabase database, IOptions<ClusterOptions> cluster) : ILegacyCharacterNames
{
    private const string GrainIdPrefix = "charactername/";

    public Task<IReadOnlyList<string>> ListAfterAsync(string after, int limit, CancellationToken cancellationToken = default) =>
        database.RunAsync(() => ListAfterHereAsync(after, limit, cancellationToken));

    private async Task<IReadOnlyList<string>> ListAfterHereAsync(string after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText =
            """
            SELECT GrainId FROM GrainState
            WHERE ServiceId = @ServiceId AND StateName = 'name' AND GrainId LIKE @Pattern AND GrainId > @After
            ORDER BY GrainId LIMIT @Limit;
            """;
        Add(command, "ServiceId", cluster.Value.ServiceId);
        Add(command, "Pattern", GrainIdPrefix + CharacterNames.LegacyPrefix + "%");
        Add(command, "After", GrainIdPrefix + after);
        Add(command, "Limit", limit);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0)[GrainIdPrefix.Length..]);
        }

        return keys;
    }

    private static void Add(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
