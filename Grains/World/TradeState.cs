namespace OrleansMmo.Grains.World;

/// <summary>
/// A trade's stored record, written through at each step of its exchange (never before: an unconfirmed
/// trade holds no goods and is not worth a write). Ids are forever: add fields, never renumber.
/// </summary>
[GenerateSerializer, Alias("mmo.TradeState")]
public sealed class TradeState
{
    [Id(0)] public TradePhase Phase { get; set; }
    [Id(1)] public TradeRecordSide? Initiator { get; set; }
    [Id(2)] public TradeRecordSide? Partner { get; set; }
    [Id(3)] public TradeEndReason Reason { get; set; }
    /// <summary>When both confirmed: how long a stuck exchange has waited, for operators.</summary>
    [Id(4)] public DateTimeOffset ExchangeStartedAt { get; set; }
}

/// <summary>One side of a trade as stored: who, and what it gives.</summary>
[GenerateSerializer, Alias("mmo.TradeRecordSide")]
public sealed record TradeRecordSide(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] string Name,
    [property: Id(2)] TradeOffer Offer);
