using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Grains.Accounts;

/// <summary>Where a session's connection lives, so the account can kick it when a newer login arrives.</summary>
/// <param name="GatewayId">The gateway process holding the connection.</param>
/// <param name="ConnectionId">The connection's id, unique within its gateway.</param>
/// <param name="Gateway">The gateway's observer, used to kick the connection.</param>
/// <param name="RemoteAddress">The client's IP address, for per-address login throttling.</param>
/// <param name="Client">What the client said of itself in Hello, for the session record.</param>
/// <param name="GatewayInstance">The gateway process (new at each start), for closing its sessions if it dies.</param>
[GenerateSerializer, Alias("mmo.SessionEndpoint")]
public sealed record SessionEndpoint(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] long ConnectionId,
    [property: Id(2)] IGatewayObserver Gateway,
    [property: Id(3)] string RemoteAddress,
    [property: Id(4)] ClientInfo? Client = null,
    [property: Id(5)] string GatewayInstance = "");

/// <summary>The client program as its Hello described it: free-text name, build number and platform.</summary>
[GenerateSerializer, Immutable, Alias("mmo.ClientInfo")]
public sealed record ClientInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Build,
    [property: Id(2)] string Platform);

/// <summary>A signed, short-lived, single-use session ticket.</summary>
[GenerateSerializer, Alias("mmo.SessionTicket")]
public sealed record SessionTicket(
    [property: Id(0)] string Token,
    [property: Id(1)] DateTimeOffset ExpiresAt);

/// <summary>A character as its owner lists it, with the world it lives in.</summary>
[GenerateSerializer, Alias("mmo.CharacterSummary")]
public sealed record CharacterSummary(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] int Level,
    [property: Id(4)] string WorldId = "");

/// <summary>Result of Login and ResumeSession: a new session on the account.</summary>
[GenerateSerializer, Alias("mmo.SessionResult")]
public sealed record SessionResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid SessionId,
    [property: Id(3)] SessionTicket? Ticket,
    [property: Id(4)] Guid? LastCharacterId,
    [property: Id(5)] TimeSpan RetryAfter,
    [property: Id(6)] Operations.BanInfo? Ban = null)
{
    public static SessionResult Failed(AccountError error, TimeSpan retryAfter = default) =>
        new(error, Guid.Empty, Guid.Empty, null, null, retryAfter);

    public static SessionResult Banned(Operations.BanInfo ban) =>
        new(AccountError.AccountBanned, Guid.Empty, Guid.Empty, null, null, default, ban);
}

[GenerateSerializer, Alias("mmo.RegisterResult")]
public sealed record RegisterResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] TimeSpan RetryAfter);

[GenerateSerializer, Alias("mmo.TicketResult")]
public sealed record TicketResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] SessionTicket? Ticket);

[GenerateSerializer, Alias("mmo.CharacterListResult")]
public sealed record CharacterListResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] IReadOnlyList<CharacterSummary> Characters);

/// <summary>Result of EnterWorld: the character, its state and where it stands.</summary>
[GenerateSerializer, Alias("mmo.EnterWorldResult")]
public sealed record EnterWorldResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] CharacterSummary? Character,
    [property: Id(2)] World.PlayerSnapshot? Player,
    [property: Id(3)] World.ZoneArrival? Arrival,
    [property: Id(4)] World.QueuePlace? Queue = null)
{
    public static EnterWorldResult Failed(AccountError error) => new(error, null, null, null);

    /// <summary>The world is full: the character waits in its queue.</summary>
    public static EnterWorldResult Queued(CharacterSummary character, World.QueuePlace place) => new(AccountError.None, character, null, null, place);
}

/// <summary>Result of CreateCharacter.</summary>
[GenerateSerializer, Alias("mmo.CharacterResult")]
public sealed record CharacterResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] CharacterSummary? Character);
