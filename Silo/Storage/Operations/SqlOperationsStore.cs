using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Silo.Storage.Operations;

/// <summary>
/// <see cref="IOperationsStore"/> on the game database (tables of migration 0003). The same SQL runs
/// on SQLite and PostgreSQL: times are Unix milliseconds, ids text, flags integers. Every row carries
/// the cluster's ServiceId, like grain state.
/// </summary>
public sealed class SqlOperationsStore(GameDatabase database, IOptions<ClusterOptions> cluster) : IOperationsStore
{
    private readonly string _serviceId = cluster.Value.ServiceId;

    public async Task<long> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var ids = await QueryAsync(
            """
            INSERT INTO AuditLog (ServiceId, AtMs, Operator, Role, Channel, Source, Action, Target, Details, Result)
            VALUES (@ServiceId, @AtMs, @Operator, @Role, @Channel, @Source, @Action, @Target, @Details, @Result)
            RETURNING Id;
            """,
            r => r.GetInt64(0),
            cancellationToken,
            ("ServiceId", _serviceId),
            ("AtMs", entry.At.ToUnixTimeMilliseconds()),
            ("Operator", entry.Operator),
            ("Role", entry.Role.ToString()),
            ("Channel", entry.Channel.ToString().ToLowerInvariant()),
            ("Source", entry.Source),
            ("Action", entry.Action),
            ("Target", entry.Target),
            ("Details", entry.Details),
            ("Result", entry.Result)).ConfigureAwait(false);
        return ids[0];
    }

    public Task CompleteAuditAsync(long id, string result, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE AuditLog SET Result = @Result WHERE Id = @Id AND ServiceId = @ServiceId;",
            cancellationToken, ("Id", id), ("Result", result), ("ServiceId", _serviceId));

    public async Task<IReadOnlyList<AuditEntry>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit);
        var sql = new System.Text.StringBuilder(
            "SELECT Id, AtMs, Operator, Role, Channel, Source, Action, Target, Details, Result FROM AuditLog WHERE ServiceId = @ServiceId");
        var parameters = new List<(string, object?)> { ("ServiceId", _serviceId), ("Limit", limit) };
        void Filter(string column, string op, string name, object? value)
        {
            if (value is not null)
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND {column} {op} @{name}");
                parameters.Add((name, value));
            }
        }

        Filter("Target", "=", "Target", Blank(query.Target));
        Filter("Operator", "=", "Operator", Blank(query.Operator));
        Filter("Action", "=", "Action", Blank(query.Action));
        Filter("AtMs", ">=", "FromMs", query.From?.ToUnixTimeMilliseconds());
        Filter("AtMs", "<", "ToMs", query.To?.ToUnixTimeMilliseconds());
        Filter("Id", "<", "BeforeId", query.BeforeId);
        sql.Append(" ORDER BY Id DESC LIMIT @Limit;");

        return await QueryAsync(sql.ToString(), r => new AuditEntry(
            r.GetInt64(0),
            FromMs(r.GetInt64(1)),
            r.GetString(2),
            Enum.TryParse<AccountRole>(r.GetString(3), out var role) ? role : AccountRole.Player,
            string.Equals(r.GetString(4), "game", StringComparison.Ordinal) ? OperatorChannel.Game : OperatorChannel.Api,
            r.GetString(5),
            r.GetString(6),
            r.GetString(7),
            r.GetString(8),
            r.GetString(9)), cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    public async Task StartSessionAsync(SessionStart start, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync(
            """
            INSERT INTO PlaySession (SessionId, ServiceId, AccountId, Username, StartedAtMs, RemoteAddress, ClientName, ClientBuild,
                                     ClientPlatform, GatewayId, GatewayInstance, ConnectionId, Resumed)
            VALUES (@SessionId, @ServiceId, @AccountId, @Username, @StartedAtMs, @RemoteAddress, @ClientName, @ClientBuild,
                    @ClientPlatform, @GatewayId, @GatewayInstance, @ConnectionId, @Resumed)
            ON CONFLICT (SessionId) DO NOTHING;
            """,
            cancellationToken,
            ("SessionId", Id(start.SessionId)),
            ("ServiceId", _serviceId),
            ("AccountId", Id(start.AccountId)),
            ("Username", start.Username),
            ("StartedAtMs", start.StartedAt.ToUnixTimeMilliseconds()),
            ("RemoteAddress", start.RemoteAddress),
            ("ClientName", start.ClientName),
            ("ClientBuild", start.ClientBuild),
            ("ClientPlatform", start.ClientPlatform),
            ("GatewayId", start.GatewayId),
            ("GatewayInstance", start.GatewayInstance),
            ("ConnectionId", start.ConnectionId),
            ("Resumed", start.Resumed ? 1 : 0)).ConfigureAwait(false);
    }

    public async Task EndSessionAsync(Guid sessionId, DateTimeOffset endedAt, SessionEndReason reason, CancellationToken cancellationToken = default)
    {
        var at = endedAt.ToUnixTimeMilliseconds();
        await InTransactionAsync(async (connection, transaction) =>
        {
            // The stay first, bounded by the session's start: the session row decides whether it was still open.
            await ExecuteAsync(connection, transaction,
                "UPDATE PlayStay SET LeftAtMs = CASE WHEN EnteredAtMs > @At THEN EnteredAtMs ELSE @At END WHERE SessionId = @SessionId AND LeftAtMs IS NULL;",
                cancellationToken, ("SessionId", Id(sessionId)), ("At", at)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction,
                "UPDATE PlaySession SET EndedAtMs = CASE WHEN StartedAtMs > @At THEN StartedAtMs ELSE @At END, EndReason = @Reason " +
                "WHERE SessionId = @SessionId AND EndedAtMs IS NULL;",
                cancellationToken, ("SessionId", Id(sessionId)), ("At", at), ("Reason", ReasonText(reason))).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task EnterWorldAsync(Guid sessionId, Guid accountId, string worldId, Guid characterId, string characterName, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var ms = at.ToUnixTimeMilliseconds();
        await InTransactionAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                "UPDATE PlayStay SET LeftAtMs = @At WHERE SessionId = @SessionId AND LeftAtMs IS NULL AND CharacterId <> @CharacterId;",
                cancellationToken, ("SessionId", Id(sessionId)), ("At", ms), ("CharacterId", Id(characterId))).ConfigureAwait(false);
            // Entering again with the same character (a re-attach after a failover) keeps the stay it has.
            await ExecuteAsync(connection, transaction,
                """
                INSERT INTO PlayStay (SessionId, ServiceId, AccountId, WorldId, CharacterId, CharacterName, EnteredAtMs)
                SELECT @SessionId, @ServiceId, @AccountId, @WorldId, @CharacterId, @CharacterName, @At
                WHERE EXISTS (SELECT 1 FROM PlaySession WHERE SessionId = @SessionId AND EndedAtMs IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM PlayStay WHERE SessionId = @SessionId AND LeftAtMs IS NULL);
                """,
                cancellationToken,
                ("SessionId", Id(sessionId)), ("ServiceId", _serviceId), ("AccountId", Id(accountId)), ("WorldId", worldId),
                ("CharacterId", Id(characterId)), ("CharacterName", characterName), ("At", ms)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task LeaveWorldAsync(Guid sessionId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE PlayStay SET LeftAtMs = @At WHERE SessionId = @SessionId AND LeftAtMs IS NULL;",
            cancellationToken, ("SessionId", Id(sessionId)), ("At", at.ToUnixTimeMilliseconds()));

    public async Task<int> EndSessionsOfGatewayAsync(string gatewayInstance, DateTimeOffset endedAt, CancellationToken cancellationToken = default)
    {
        // The earliest known end wins: a player of the dead gateway may have resumed elsewhere before the gateway
        // was known dead, which ended the session as "replaced" at the resume. It really ended with the gateway,
        // at its last heartbeat, and play time must not count the time in between.
        var at = endedAt.ToUnixTimeMilliseconds();
        var ended = 0;
        await InTransactionAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction,
                """
                UPDATE PlayStay SET LeftAtMs = CASE WHEN EnteredAtMs > @At THEN EnteredAtMs ELSE @At END
                WHERE (LeftAtMs IS NULL OR LeftAtMs > @At) AND SessionId IN
                    (SELECT SessionId FROM PlaySession WHERE ServiceId = @ServiceId AND GatewayInstance = @Instance
                        AND (EndedAtMs IS NULL OR (EndReason = @Replaced AND EndedAtMs > @At)));
                """,
                cancellationToken, ("ServiceId", _serviceId), ("Instance", gatewayInstance), ("At", at),
                ("Replaced", ReasonText(SessionEndReason.Replaced))).ConfigureAwait(false);
            ended = await ExecuteAsync(connection, transaction,
                "UPDATE PlaySession SET EndedAtMs = CASE WHEN StartedAtMs > @At THEN StartedAtMs ELSE @At END, EndReason = @Reason " +
                "WHERE ServiceId = @ServiceId AND GatewayInstance = @Instance " +
                "AND (EndedAtMs IS NULL OR (EndReason = @Replaced AND EndedAtMs > @At));",
                cancellationToken, ("ServiceId", _serviceId), ("Instance", gatewayInstance), ("At", at),
                ("Reason", ReasonText(SessionEndReason.GatewayLost)), ("Replaced", ReasonText(SessionEndReason.Replaced))).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return ended;
    }

    public Task<IReadOnlyList<string>> GatewaysWithOpenSessionsAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT DISTINCT GatewayInstance FROM PlaySession WHERE ServiceId = @ServiceId AND EndedAtMs IS NULL;",
            r => r.GetString(0), cancellationToken, ("ServiceId", _serviceId));

    public async Task RecordGatewaysSeenAsync(IReadOnlyList<GatewaySeen> gateways, CancellationToken cancellationToken = default)
    {
        if (gateways.Count == 0)
        {
            return;
        }

        await InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var gateway in gateways)
            {
                await ExecuteAsync(connection, transaction,
                    """
                    INSERT INTO GatewaySeen (ServiceId, GatewayInstance, GatewayId, LastSeenMs) VALUES (@ServiceId, @Instance, @GatewayId, @At)
                    ON CONFLICT (ServiceId, GatewayInstance) DO UPDATE SET LastSeenMs = excluded.LastSeenMs
                    WHERE excluded.LastSeenMs > GatewaySeen.LastSeenMs;
                    """,
                    cancellationToken, ("ServiceId", _serviceId), ("Instance", gateway.GatewayInstance), ("GatewayId", gateway.GatewayId),
                    ("At", gateway.LastSeen.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> GatewayLastSeenAsync(string gatewayInstance, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync("SELECT LastSeenMs FROM GatewaySeen WHERE ServiceId = @ServiceId AND GatewayInstance = @Instance;",
            r => r.GetInt64(0), cancellationToken, ("ServiceId", _serviceId), ("Instance", gatewayInstance)).ConfigureAwait(false);
        return rows.Count == 0 ? null : FromMs(rows[0]);
    }

    public async Task<PlayTime> PlayTimeAsync(Guid accountId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            """
            SELECT COALESCE(SUM(COALESCE(EndedAtMs, @Now) - StartedAtMs), 0), COUNT(*),
                   COALESCE(SUM(CASE WHEN EndedAtMs IS NULL THEN 1 ELSE 0 END), 0)
            FROM PlaySession WHERE AccountId = @AccountId AND ServiceId = @ServiceId;
            """,
            r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)),
            cancellationToken, ("AccountId", Id(accountId)), ("ServiceId", _serviceId), ("Now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        var (totalMs, sessions, open) = rows[0];
        return new PlayTime(TimeSpan.FromMilliseconds(Math.Max(0, totalMs)), sessions, open > 0);
    }

    public async Task<IReadOnlyList<SessionRecord>> SessionsOfAccountAsync(Guid accountId, int limit, CancellationToken cancellationToken = default)
    {
        var sessions = await QueryAsync(
            """
            SELECT SessionId, AccountId, Username, StartedAtMs, RemoteAddress, ClientName, ClientBuild, ClientPlatform, GatewayId,
                   GatewayInstance, ConnectionId, Resumed, EndedAtMs, EndReason
            FROM PlaySession WHERE AccountId = @AccountId AND ServiceId = @ServiceId ORDER BY StartedAtMs DESC LIMIT @Limit;
            """,
            r => (Start: new SessionStart(
                    Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), r.GetString(2), FromMs(r.GetInt64(3)), r.GetString(4),
                    r.GetString(5), Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture), r.GetString(7), r.GetString(8),
                    r.GetString(9), r.GetInt64(10), Convert.ToInt64(r.GetValue(11), CultureInfo.InvariantCulture) != 0),
                EndedAt: r.IsDBNull(12) ? (DateTimeOffset?)null : FromMs(r.GetInt64(12)),
                Reason: r.IsDBNull(13) ? null : r.GetString(13)),
            cancellationToken, ("AccountId", Id(accountId)), ("ServiceId", _serviceId), ("Limit", Math.Clamp(limit, 1, 1000))).ConfigureAwait(false);
        if (sessions.Count == 0)
        {
            return [];
        }

        var stays = await QueryAsync(
            """
            SELECT SessionId, WorldId, CharacterId, CharacterName, EnteredAtMs, LeftAtMs FROM PlayStay
            WHERE AccountId = @AccountId AND ServiceId = @ServiceId AND EnteredAtMs >= @Since ORDER BY EnteredAtMs;
            """,
            r => (SessionId: Guid.Parse(r.GetString(0)), Stay: new SessionCharacter(r.GetString(1), Guid.Parse(r.GetString(2)), r.GetString(3),
                FromMs(r.GetInt64(4)), r.IsDBNull(5) ? null : FromMs(r.GetInt64(5)))),
            cancellationToken, ("AccountId", Id(accountId)), ("ServiceId", _serviceId),
            ("Since", sessions[^1].Start.StartedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        var bySession = stays.ToLookup(s => s.SessionId, s => s.Stay);
        return [.. sessions.Select(s => new SessionRecord(s.Start, s.EndedAt, s.Reason, [.. bySession[s.Start.SessionId]]))];
    }

    public async Task<OnlinePage> OnlineAsync(string? worldId, string? search, int offset, int limit, CancellationToken cancellationToken = default)
    {
        const string From =
            """
            FROM PlayStay st JOIN PlaySession se ON se.SessionId = st.SessionId
            WHERE st.ServiceId = @ServiceId AND st.LeftAtMs IS NULL AND se.EndedAtMs IS NULL
              AND (@WorldId = '' OR st.WorldId = @WorldId)
              AND (@Search = '' OR LOWER(st.CharacterName) LIKE @Search OR LOWER(se.Username) LIKE @Search)
            """;
        var pattern = string.IsNullOrWhiteSpace(search) ? "" : EscapeLike(search.Trim().ToLowerInvariant()) + "%";
        (string, object?)[] parameters =
        [
            ("ServiceId", _serviceId), ("WorldId", worldId ?? ""), ("Search", pattern),
            ("Offset", Math.Max(0, offset)), ("Limit", Math.Clamp(limit, 1, 500)),
        ];
        var total = await QueryAsync($"SELECT COUNT(*) {From};", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture),
            cancellationToken, parameters).ConfigureAwait(false);
        var players = await QueryAsync(
            $"""
            SELECT st.WorldId, st.CharacterName, st.CharacterId, se.Username, se.GatewayId, se.RemoteAddress, st.EnteredAtMs
            {From}
            ORDER BY st.WorldId, LOWER(st.CharacterName), st.Id LIMIT @Limit OFFSET @Offset;
            """,
            r => new OnlinePlayer(r.GetString(0), r.GetString(1), Guid.Parse(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetString(5),
                FromMs(r.GetInt64(6))),
            cancellationToken, parameters).ConfigureAwait(false);
        return new OnlinePage(players, total[0], Math.Max(0, offset));
    }

    public Task<IReadOnlyList<WorldStay>> StaysAsync(DateTimeOffset from, DateTimeOffset to, string? worldId, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            """
            SELECT WorldId, AccountId, EnteredAtMs, LeftAtMs FROM PlayStay
            WHERE ServiceId = @ServiceId AND EnteredAtMs < @To AND (LeftAtMs IS NULL OR LeftAtMs > @From)
              AND (@WorldId = '' OR WorldId = @WorldId)
            ORDER BY EnteredAtMs LIMIT @Limit;
            """,
            r => new WorldStay(r.GetString(0), Guid.Parse(r.GetString(1)), FromMs(r.GetInt64(2)), r.IsDBNull(3) ? null : FromMs(r.GetInt64(3))),
            cancellationToken,
            ("ServiceId", _serviceId), ("From", from.ToUnixTimeMilliseconds()), ("To", to.ToUnixTimeMilliseconds()),
            ("WorldId", worldId ?? ""), ("Limit", Math.Max(1, limit)));

    /// <summary>The lower-case, underscored name stored for a reason: <c>GatewayLost</c> is <c>gateway_lost</c>.</summary>
    public static string ReasonText(SessionEndReason reason) => reason switch
    {
        SessionEndReason.GatewayLost => "gateway_lost",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Id(Guid id) => id.ToString("D");

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    // '\' is not an escape character in LIKE by default on SQLite; removing the wildcards keeps the pattern literal on both engines.
    private static string EscapeLike(string text) => text.Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    private Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken) =>
        database.RunAsync(() => InTransactionHereAsync(work, cancellationToken));

    private async Task InTransactionHereAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // SQLite: Serializable is BEGIN IMMEDIATE, which takes the write lock up front; a deferred transaction that
        // reads first could not upgrade its lock while another connection writes (SQLITE_BUSY without waiting).
        var isolation = database.Engine == StorageEngine.Sqlite ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted;
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await ExecuteAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
        });

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters) =>
        database.RunAsync(() => QueryHereAsync(sql, map, parameters, cancellationToken));

    private async Task<IReadOnlyList<T>> QueryHereAsync<T>(string sql, Func<DbDataReader, T> map, (string Name, object? Value)[] parameters,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
