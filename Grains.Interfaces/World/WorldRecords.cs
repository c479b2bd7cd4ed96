using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Grains.World;

/// <summary>The connection a character is played from: the account session and where its socket lives.</summary>
/// <param name="SessionId">The account session (see IAccountGrain); world calls must carry it.</param>
/// <param name="GatewayId">The gateway process holding the connection.</param>
/// <param name="ConnectionId">The connection, unique within its gateway.</param>
/// <param name="Gateway">The gateway's observer: pushes to the connection go through it.</param>
/// <param name="AccountKey">The account grain that owns the character, for operators' look-ups and kicks.</param>
[GenerateSerializer, Alias("mmo.PlayerSession")]
public sealed record PlayerSession(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string GatewayId,
    [property: Id(2)] long ConnectionId,
    [property: Id(3)] IGatewayObserver Gateway,
    [property: Id(4)] string AccountKey = "");

[GenerateSerializer, Alias("mmo.ItemStack")]
public sealed record ItemStack([property: Id(0)] string ItemId, [property: Id(1)] int Count);

/// <summary>A character as its owner sees it.</summary>
[GenerateSerializer, Alias("mmo.PlayerSnapshot")]
public sealed record PlayerSnapshot(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] int Level,
    [property: Id(3)] long Experience,
    [property: Id(4)] long Gold,
    [property: Id(5)] IReadOnlyList<ItemStack> Inventory,
    [property: Id(6)] string ZoneId,
    [property: Id(7)] Position Position);

// Immutable (Orleans does not deep-copy it between grains of a silo): built from game data and never changed after,
// it travels with every world entry and zone change (PlayerAttachment, ZoneArrival).
[GenerateSerializer, Immutable, Alias("mmo.PortalDescription")]
public sealed record PortalDescription(
    [property: Id(0)] string PortalId,
    [property: Id(1)] Position Min,
    [property: Id(2)] Position Max,
    [property: Id(3)] string TargetZoneId);

/// <summary>What a client needs to know of a zone to move in it.</summary>
/// <remarks>Immutable for Orleans' copier, as <see cref="PortalDescription"/>: its portal list is built for it and never changed.</remarks>
[GenerateSerializer, Immutable, Alias("mmo.ZoneDescription")]
public sealed record ZoneDescription(
    [property: Id(0)] string ZoneId,
    [property: Id(1)] string Name,
    [property: Id(2)] float Width,
    [property: Id(3)] float Height,
    [property: Id(4)] IReadOnlyList<PortalDescription> Portals,
    [property: Id(5)] float MaxSpeed,
    [property: Id(6)] float ViewRadius,
    [property: Id(7)] TimeSpan TickInterval,
    [property: Id(8)] bool Pvp,
    [property: Id(9)] float AttackRange,
    [property: Id(10)] TimeSpan AttackCooldown);

/// <summary>Where a character stands after entering the world or a zone.</summary>
/// <remarks>Immutable for Orleans' copier, as <see cref="ZoneDescription"/>: a move's outcome carries it.</remarks>
[GenerateSerializer, Immutable, Alias("mmo.ZoneArrival")]
public sealed record ZoneArrival(
    [property: Id(0)] ZoneDescription Zone,
    [property: Id(1)] uint EntityId,
    [property: Id(2)] Position Position);

/// <summary>What Attach yields: the character as its owner sees it, and where it stands.</summary>
[GenerateSerializer, Alias("mmo.PlayerAttachment")]
public sealed record PlayerAttachment(
    [property: Id(0)] PlayerSnapshot Player,
    [property: Id(1)] ZoneArrival Arrival);

[GenerateSerializer, Alias("mmo.MoveRejection")]
public enum MoveRejection
{
    None = 0,
    TooFast = 1,
    OutOfBounds = 2,
    InvalidPosition = 3,
    Dead = 4,
}

/// <summary>A move's outcome: accepted, or rejected with the authoritative position (a correction).</summary>
/// <remarks>Immutable for Orleans' copier: Orleans deep-copies every response it sends, and this one answers every
/// Move (1.6% of the silo's CPU at 20,000 moves a second went to copying it, docs/benchmarks "c. Spread again").</remarks>
[GenerateSerializer, Immutable, Alias("mmo.MoveOutcome")]
public sealed record MoveOutcome(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] Position Position,
    [property: Id(2)] MoveRejection Rejection,
    [property: Id(3)] ZoneArrival? ZoneChanged);

/// <summary>A chat line as delivered.</summary>
[GenerateSerializer, Alias("mmo.ChatLine")]
public sealed record ChatLine(
    [property: Id(0)] ChatChannel Channel,
    [property: Id(1)] Guid FromCharacterId,
    [property: Id(2)] string FromName,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset SentAt,
    [property: Id(5)] string ToName);

/// <summary>A character as a zone holds it: where it is and where its owner's socket is; health 0 means full.</summary>
[GenerateSerializer, Alias("mmo.ZoneMember")]
public sealed record ZoneMember(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] int Level,
    [property: Id(3)] Position Position,
    [property: Id(4)] PlayerSession Session,
    [property: Id(5)] int Health = 0);
