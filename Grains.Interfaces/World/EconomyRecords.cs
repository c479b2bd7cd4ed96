namespace OrleansMmo.Grains.World;

/// <summary>A character's goods as its owner sees them: gold, stacks, and how many stacks fit.</summary>
/// <remarks><c>EscrowGold</c> and <c>EscrowItems</c>: goods of the character held by a trade's exchange under way (usually none).</remarks>
[GenerateSerializer, Alias("mmo.InventoryView")]
public sealed record InventoryView(
    [property: Id(0)] long Gold,
    [property: Id(1)] IReadOnlyList<ItemStack> Items,
    [property: Id(2)] int MaxStacks,
    [property: Id(3)] long EscrowGold = 0,
    [property: Id(4)] IReadOnlyList<ItemStack>? EscrowItems = null);

/// <summary>What using an item did: health restored (0 if the item does nothing to health) and health after.</summary>
[GenerateSerializer, Alias("mmo.ItemUseOutcome")]
public sealed record ItemUseOutcome(
    [property: Id(0)] string ItemId,
    [property: Id(1)] int Healed,
    [property: Id(2)] int Health,
    [property: Id(3)] InventoryView Inventory);

/// <summary>One side's goods in a trade: gold and item stacks (an item id at most once).</summary>
[GenerateSerializer, Immutable, Alias("mmo.TradeOffer")]
public sealed record TradeOffer(
    [property: Id(0)] long Gold,
    [property: Id(1)] IReadOnlyList<ItemStack> Items)
{
    public static TradeOffer Empty { get; } = new(0, []);
}

/// <summary>
/// Goods taken out of a character's inventory for a trade that has started its exchange: stored with
/// the character, visible to operators, usable by nobody until the trade grain's decision settles it
/// (the partner's goods come in) or releases it (the goods go back). Stored: ids are forever.
/// </summary>
[GenerateSerializer, Alias("mmo.EscrowEntry")]
public sealed record EscrowEntry(
    [property: Id(0)] Guid TradeId,
    [property: Id(1)] TradeOffer Offer);

/// <summary>Where a trade stands. Stored by the trade grain from <see cref="Exchanging"/> on: never renumber.</summary>
[GenerateSerializer, Alias("mmo.TradePhase")]
public enum TradePhase
{
    /// <summary>No such trade (never opened, or opened and forgotten before its exchange began).</summary>
    None = 0,
    /// <summary>Asked; waiting for the partner to accept.</summary>
    Invited = 1,
    /// <summary>Both in; offering, locking, confirming.</summary>
    Open = 2,
    /// <summary>Both confirmed: goods are being taken into escrow. A restart here cancels (presumed abort).</summary>
    Exchanging = 3,
    /// <summary>Both sides' goods are in escrow and the exchange is decided: each side receives the other's.</summary>
    Committed = 4,
    Completed = 5,
    Cancelled = 6,
}

/// <summary>Why a trade ended without an exchange.</summary>
[GenerateSerializer, Alias("mmo.TradeEndReason")]
public enum TradeEndReason
{
    None = 0,
    /// <summary>A side cancelled (or the partner declined).</summary>
    Cancelled = 1,
    /// <summary>A side left the zone (portal, teleport).</summary>
    ZoneChanged = 2,
    /// <summary>A side left the world or lost its connection.</summary>
    LoggedOut = 3,
    /// <summary>A side logged in again elsewhere.</summary>
    Replaced = 4,
    /// <summary>At confirmation the sides were too far apart or in different zones.</summary>
    TooFar = 5,
    /// <summary>A side no longer held what it offered when the exchange took it.</summary>
    GoodsMissing = 6,
    /// <summary>The exchange was interrupted (a silo failed) before both sides' goods were in escrow: everything went back.</summary>
    Interrupted = 7,
}

/// <summary>One side of a trade as both clients see it.</summary>
[GenerateSerializer, Alias("mmo.TradeSide")]
public sealed record TradeSide(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] TradeOffer Offer,
    [property: Id(3)] bool Locked,
    [property: Id(4)] bool Confirmed);

/// <summary>A trade as both clients see it (the TradeUpdate push and every trade response).</summary>
[GenerateSerializer, Alias("mmo.TradeView")]
public sealed record TradeView(
    [property: Id(0)] Guid TradeId,
    [property: Id(1)] TradePhase Phase,
    [property: Id(2)] TradeSide Initiator,
    [property: Id(3)] TradeSide Partner,
    [property: Id(4)] TradeEndReason Reason);

/// <summary>A character entering a trade: who, and the connection its trade pushes go to.</summary>
[GenerateSerializer, Alias("mmo.TradeParty")]
public sealed record TradeParty(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] PlayerSession Session);

/// <summary>An invitation from one character to another, with where the inviter stands.</summary>
[GenerateSerializer, Alias("mmo.TradeInvite")]
public sealed record TradeInvite(
    [property: Id(0)] Guid TradeId,
    [property: Id(1)] TradeParty From,
    [property: Id(2)] string ZoneKey,
    [property: Id(3)] Position Position);

/// <summary>Where a character stands, for the trade's distance rule; <c>InWorld</c> false when it has no session.</summary>
[GenerateSerializer, Alias("mmo.TradeStanding")]
public sealed record TradeStanding(
    [property: Id(0)] bool InWorld,
    [property: Id(1)] string ZoneKey,
    [property: Id(2)] Position Position);

/// <summary>
/// The trade grain's word on one side's escrow: the phase, and once committed what that side receives.
/// A side holding escrow for a trade in <see cref="TradePhase.Cancelled"/> or <see cref="TradePhase.None"/> takes its goods back.
/// </summary>
[GenerateSerializer, Alias("mmo.TradeDecision")]
public sealed record TradeDecision(
    [property: Id(0)] TradePhase Phase,
    [property: Id(1)] TradeOffer? Receive);

/// <summary>Everything a character holds, escrow included: what the conservation count reads.</summary>
[GenerateSerializer, Alias("mmo.Holdings")]
public sealed record Holdings(
    [property: Id(0)] long Gold,
    [property: Id(1)] IReadOnlyList<ItemStack> Items,
    [property: Id(2)] IReadOnlyList<EscrowEntry> Escrow);

/// <summary>A heal judged by the zone: whether the character is here, lies dead, and the health restored and reached.</summary>
[GenerateSerializer, Alias("mmo.ZoneHealResult")]
public sealed record ZoneHealResult(
    [property: Id(0)] bool Here,
    [property: Id(1)] bool Dead,
    [property: Id(2)] int Healed,
    [property: Id(3)] int Health);
