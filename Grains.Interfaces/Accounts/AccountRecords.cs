using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Grains.Accounts;

/// <summary>Where a session's connection lives, so the account can kick it when a newer login arrives.</summary>
/// <param name="GatewayId">The gateway process holding the connection.</param>
/// <param name="ConnectionId">The connection's id, unique within its gateway.</param>
/// <param name="Gateway">The gateway's observer, used to kick the connection.</param>
/// <param name="RemoteAddress">The client's IP address, for per-address login throttling.</param>
[GenerateSerializer, Alias("mmo.SessionEndpoint")]
public sealed record SessionEndpoint(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] long ConnectionId,
    [property: Id(2)] IGatewayObserver Gateway,
    [property: Id(3)] string RemoteAddress);

/// <summary>A signed, short-lived, single-use session ticket.</summary>
[GenerateSerializer, Alias("mmo.SessionTicket")]
public sealed record SessionTicket(
    [property: Id(0)] string Token,
    [property: Id(1)] DateTimeOffset ExpiresAt);

[GenerateSerializer, Alias("mmo.CharacterSummary")]
public sealed record CharacterSummary(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] int Level);

/// <summary>Result of Login and ResumeSession: a new session on the account.</summary>
[GenerateSerializer, Alias("mmo.SessionResult")]
public sealed record SessionResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid SessionId,
    [property: Id(3)] SessionTicket? Ticket,
    [property: Id(4)] Guid? LastCharacterId,
    [property: Id(5)] TimeSpan RetryAfter)
{
    public static SessionResult Failed(AccountError error, TimeSpan retryAfter = default) =>
        new(error, Guid.Empty, Guid.Empty, null, null, retryAfter);
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
    [property: Id(3)] World.ZoneArrival? Arrival)
{
    public static EnterWorldResult Failed(AccountError error) => new(error, null, null, null);
}

/// <summary>Result of CreateCharacter.</summary>
[GenerateSerializer, Alias("mmo.CharacterResult")]
public sealed record CharacterResult(
    [property: Id(0)] AccountError Error,
    [property: Id(1)] CharacterSummary? Character);
