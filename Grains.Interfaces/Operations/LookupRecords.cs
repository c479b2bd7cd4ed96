using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Operations;

/// <summary>A ban on an account or an address range: until when (null: until lifted), why, by whom.</summary>
[GenerateSerializer, Alias("mmo.BanInfo")]
public sealed record BanInfo(
    [property: Id(0)] DateTimeOffset? Until,
    [property: Id(1)] string Reason,
    [property: Id(2)] string By,
    [property: Id(3)] DateTimeOffset At)
{
    public bool IsActiveAt(DateTimeOffset now) => Until is not { } until || until > now;
}

/// <summary>A ban on every address of a CIDR range (<c>203.0.113.0/24</c>, or one address as <c>/32</c>).</summary>
[GenerateSerializer, Alias("mmo.AddressBan")]
public sealed record AddressBan(
    [property: Id(0)] string Cidr,
    [property: Id(1)] BanInfo Ban);

/// <summary>One character of an account, as an operator sees it in a list.</summary>
[GenerateSerializer, Alias("mmo.AccountCharacter")]
public sealed record AccountCharacter(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] string WorldId,
    [property: Id(3)] int Level);

/// <summary>An account as an operator sees it.</summary>
[GenerateSerializer, Alias("mmo.AccountView")]
public sealed record AccountView(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] string Username,
    [property: Id(2)] AccountRole Role,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset? LastLoginAt,
    [property: Id(5)] BanInfo? Ban,
    [property: Id(6)] IReadOnlyList<AccountCharacter> Characters,
    [property: Id(7)] bool Connected,
    [property: Id(8)] string? GatewayId,
    [property: Id(9)] string? RemoteAddress,
    [property: Id(10)] Guid? CharacterInWorld);

/// <summary>A character as an operator sees it: its stored state and, when in the world, where it is played from.</summary>
[GenerateSerializer, Alias("mmo.CharacterView")]
public sealed record CharacterView(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] string WorldId,
    [property: Id(3)] string AccountKey,
    [property: Id(4)] int Level,
    [property: Id(5)] long Experience,
    [property: Id(6)] long Gold,
    [property: Id(7)] IReadOnlyList<ItemStack> Inventory,
    [property: Id(8)] string ZoneId,
    [property: Id(9)] Position Position,
    [property: Id(10)] bool InWorld,
    [property: Id(11)] string? GatewayId,
    [property: Id(12)] DateTimeOffset? MutedUntil);

/// <summary>Everything a look-up tells: the account, the character asked about (if any), play time and recent sessions.</summary>
[GenerateSerializer, Alias("mmo.PlayerLookup")]
public sealed record PlayerLookup(
    [property: Id(0)] AccountView Account,
    [property: Id(1)] CharacterView? Character,
    [property: Id(2)] PlayTime PlayTime,
    [property: Id(3)] IReadOnlyList<SessionRecord> RecentSessions);
