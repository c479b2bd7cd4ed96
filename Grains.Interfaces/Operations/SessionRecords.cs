namespace OrleansMmo.Grains.Operations;

/// <summary>Why a play session ended; stored as the lower-case name (<c>logout</c>, <c>gateway_lost</c>).</summary>
[GenerateSerializer, Alias("mmo.SessionEndReason")]
public enum SessionEndReason
{
    /// <summary>The client logged out.</summary>
    Logout = 0,
    /// <summary>The client closed the connection, or the network lost it.</summary>
    Disconnect = 1,
    /// <summary>Idle or authentication timeout.</summary>
    Timeout = 2,
    /// <summary>An operator kicked (or banned) the account.</summary>
    Kick = 3,
    /// <summary>A newer login to the account replaced the session.</summary>
    Replaced = 4,
    /// <summary>The gateway or the cluster shut down.</summary>
    Shutdown = 5,
    /// <summary>The gateway was drained; the client moved to another gateway (a new session there).</summary>
    Drain = 6,
    /// <summary>The gateway died; the session ended at the gateway's last heartbeat.</summary>
    GatewayLost = 7,
    /// <summary>The gateway closed the connection for a protocol violation, abuse or a slow consumer.</summary>
    Protocol = 8,
}

/// <summary>A session as it begins: one authenticated connection of an account.</summary>
[GenerateSerializer, Alias("mmo.SessionStart")]
public sealed record SessionStart(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] string Username,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] string RemoteAddress,
    [property: Id(5)] string ClientName,
    [property: Id(6)] int ClientBuild,
    [property: Id(7)] string ClientPlatform,
    [property: Id(8)] string GatewayId,
    [property: Id(9)] string GatewayInstance,
    [property: Id(10)] long ConnectionId,
    [property: Id(11)] bool Resumed);

/// <summary>One character's time in a world within a session.</summary>
[GenerateSerializer, Alias("mmo.SessionCharacter")]
public sealed record SessionCharacter(
    [property: Id(0)] string WorldId,
    [property: Id(1)] Guid CharacterId,
    [property: Id(2)] string CharacterName,
    [property: Id(3)] DateTimeOffset EnteredAt,
    [property: Id(4)] DateTimeOffset? LeftAt);

/// <summary>A recorded session; <see cref="EndedAt"/> is null while it is open.</summary>
[GenerateSerializer, Alias("mmo.SessionRecord")]
public sealed record SessionRecord(
    [property: Id(0)] SessionStart Start,
    [property: Id(1)] DateTimeOffset? EndedAt,
    [property: Id(2)] string? EndReason,
    [property: Id(3)] IReadOnlyList<SessionCharacter> Characters)
{
    public TimeSpan DurationAt(DateTimeOffset now) => (EndedAt ?? now) - Start.StartedAt;
}

/// <summary>An account's total play time: the sum of its sessions, the open one counted up to now.</summary>
[GenerateSerializer, Alias("mmo.PlayTime")]
public sealed record PlayTime(
    [property: Id(0)] TimeSpan Total,
    [property: Id(1)] int Sessions,
    [property: Id(2)] bool Online);

/// <summary>A character in the world right now, from the open session records.</summary>
[GenerateSerializer, Alias("mmo.OnlinePlayer")]
public sealed record OnlinePlayer(
    [property: Id(0)] string WorldId,
    [property: Id(1)] string CharacterName,
    [property: Id(2)] Guid CharacterId,
    [property: Id(3)] string Username,
    [property: Id(4)] string GatewayId,
    [property: Id(5)] string RemoteAddress,
    [property: Id(6)] DateTimeOffset InWorldSince);

/// <summary>One page of online players, ordered by world then name.</summary>
[GenerateSerializer, Alias("mmo.OnlinePage")]
public sealed record OnlinePage(
    [property: Id(0)] IReadOnlyList<OnlinePlayer> Players,
    [property: Id(1)] int Total,
    [property: Id(2)] int Offset);

/// <summary>One world's day: distinct accounts that played, most at once, time in the world.</summary>
[GenerateSerializer, Alias("mmo.DailyOnline")]
public sealed record DailyOnline(
    [property: Id(0)] string WorldId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Accounts,
    [property: Id(3)] int Peak,
    [property: Id(4)] DateTimeOffset? PeakAt,
    [property: Id(5)] TimeSpan PlayTime);

/// <summary>A stretch of time a character spent in a world: what the statistics are computed from.</summary>
public readonly record struct WorldStay(string WorldId, Guid AccountId, DateTimeOffset EnteredAt, DateTimeOffset? LeftAt);
