namespace OrleansMmo.Grains.Operations;

/// <summary>
/// The operational records kept in the game database beside grain state: the audit log, play
/// sessions with the characters played in them, and when each gateway was last heard from. Rows,
/// not grain state, because they are queried across accounts (by target, by time, by world) and
/// must outlive any grain. Implemented by the silo over the same database as grain storage
/// (<c>Silo/Storage/Operations</c>). Every write is awaited: a record the caller was told about is
/// in the database. Session writes are idempotent, so a caller may retry them.
/// </summary>
public interface IOperationsStore
{
    /// <summary>Writes an entry (its <see cref="AuditEntry.Id"/> ignored) and returns the id the database gave it.</summary>
    Task<long> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Sets the result of an entry written before the action was carried out.</summary>
    Task CompleteAuditAsync(long id, string result, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditEntry>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Opens a session record; a second call with the same id changes nothing.</summary>
    Task StartSessionAsync(SessionStart start, CancellationToken cancellationToken = default);

    /// <summary>Closes the session and its open character stay at <paramref name="endedAt"/>, if still open.</summary>
    Task EndSessionAsync(Guid sessionId, DateTimeOffset endedAt, SessionEndReason reason, CancellationToken cancellationToken = default);

    /// <summary>Records that the session now plays a character in a world (closing the stay of any previous one).</summary>
    Task EnterWorldAsync(Guid sessionId, Guid accountId, string worldId, Guid characterId, string characterName, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Closes the session's open character stay, if any.</summary>
    Task LeaveWorldAsync(Guid sessionId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Closes every open session of a gateway process that died, at <paramref name="endedAt"/>; returns how many.</summary>
    Task<int> EndSessionsOfGatewayAsync(string gatewayInstance, DateTimeOffset endedAt, CancellationToken cancellationToken = default);

    /// <summary>Gateway processes that still have open sessions.</summary>
    Task<IReadOnlyList<string>> GatewaysWithOpenSessionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Remembers when these gateway processes were last heard from, for closing their sessions if they die unseen.</summary>
    Task RecordGatewaysSeenAsync(IReadOnlyList<GatewaySeen> gateways, CancellationToken cancellationToken = default);

    Task<DateTimeOffset?> GatewayLastSeenAsync(string gatewayInstance, CancellationToken cancellationToken = default);

    /// <summary>The account's total play time: closed sessions plus the open one up to <paramref name="now"/>.</summary>
    Task<PlayTime> PlayTimeAsync(Guid accountId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The account's latest sessions, newest first, with the characters played in each.</summary>
    Task<IReadOnlyList<SessionRecord>> SessionsOfAccountAsync(Guid accountId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Open character stays of open sessions: who is in the world now.</summary>
    Task<OnlinePage> OnlineAsync(string? worldId, string? search, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Character stays overlapping [<paramref name="from"/>, <paramref name="to"/>), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<WorldStay>> StaysAsync(DateTimeOffset from, DateTimeOffset to, string? worldId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>A gateway process and when the registry last heard from it.</summary>
public readonly record struct GatewaySeen(string GatewayInstance, string GatewayId, DateTimeOffset LastSeen);
