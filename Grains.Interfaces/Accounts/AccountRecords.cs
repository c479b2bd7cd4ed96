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
    [property: Id(5)] string GatewayInstance = "")
{
    /// <summary>Whether <paramref name="other"/> is the same client connection (same gateway, same connection id).</summary>
    public bool IsSameConnection(SessionEndpoint other) => GatewayId == other.GatewayId && ConnectionId == other.ConnectionId;
}

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

/// <summary>What Login and ResumeSession start: a new session on the account.</summary>
/// <param name="AccountId">The account's id.</param>
/// <param name="SessionId">The new session; every later call on the account carries it.</param>
/// <param name="Ticket">The session's one spendable ticket, to resume on another connection.</param>
/// <param name="LastCharacterId">On a resume, the character the session had in the world, to enter again.</param>
/// <param name="DeviceToken">On a password login, the device token for the client to keep (empty otherwise).</param>
[GenerateSerializer, Alias("mmo.AccountSession")]
public sealed record AccountSession(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] Guid SessionId,
    [property: Id(2)] SessionTicket Ticket,
    [property: Id(3)] Guid? LastCharacterId,
    [property: Id(4)] string DeviceToken = "");

/// <summary>What EnterWorld yields: the character, its state and where it stands.</summary>
[GenerateSerializer, Alias("mmo.WorldEntry")]
public sealed record WorldEntry(
    [property: Id(0)] CharacterSummary Character,
    [property: Id(1)] World.PlayerSnapshot Player,
    [property: Id(2)] World.ZoneArrival Arrival);

/// <summary>What EnterWorldQueued yields: the character and either its entry into the world or its place in the world's queue.</summary>
[GenerateSerializer, Alias("mmo.WorldAdmission")]
public sealed record WorldAdmission(
    [property: Id(0)] CharacterSummary Character,
    [property: Id(1)] WorldEntry? Entry,
    [property: Id(2)] World.QueuePlace? Queue);
