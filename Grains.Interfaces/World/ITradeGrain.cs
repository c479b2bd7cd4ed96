namespace OrleansMmo.Grains.World;

/// <summary>
/// One trade between two characters, and the escrow of its exchange. Key: the trade id (a fresh Guid).
/// Until both sides confirm it lives in memory; from then on every step is recorded (written through)
/// before the next: Exchanging (goods go into each side's escrow), Committed (the decision), Completed or
/// Cancelled. Each step on a player is idempotent, so a step repeated after a crash does nothing twice;
/// an activation that finds an unfinished exchange finishes it (Committed) or undoes it (Exchanging).
/// See docs/economy.md.
/// </summary>
[Alias("mmo.ITradeGrain")]
public interface ITradeGrain : IGrainWithGuidKey
{
    /// <summary>Opens the trade (the initiator's player grain, after the partner took the invitation); pushes it to both.</summary>
    [Alias("Open")]
    Task<TradeView> Open(TradeParty initiator, TradeParty partner);

    /// <summary>The partner accepts the invitation.</summary>
    [Alias("Accept")]
    Task<Result<TradeView>> Accept(Guid characterId, Guid sessionId);

    /// <summary>Replaces the side's offer; both sides' locks and confirmations are lifted (nobody confirms goods they have not seen).</summary>
    [Alias("SetOffer")]
    Task<Result<TradeView>> SetOffer(Guid characterId, Guid sessionId, TradeOffer offer);

    /// <summary>Locks the side's offer, after checking the side holds it.</summary>
    [Alias("Lock")]
    Task<Result<TradeView>> Lock(Guid characterId, Guid sessionId);

    /// <summary>Confirms (both locked); the second confirmation runs the exchange before it answers.</summary>
    [Alias("Confirm")]
    Task<Result<TradeView>> Confirm(Guid characterId, Guid sessionId);

    /// <summary>Cancels (or declines) a trade whose exchange has not begun.</summary>
    [Alias("Cancel")]
    Task<Result<TradeView>> Cancel(Guid characterId, Guid sessionId);

    /// <summary>
    /// A side's player grain gives the trade up (zone change, logout, second login). Does nothing once the
    /// exchange has begun: both confirmed, it finishes. Interleaves: the player grain may be the one the
    /// exchange is waiting for.
    /// </summary>
    [Alias("Abandon"), Orleans.Concurrency.AlwaysInterleave]
    Task Abandon(Guid characterId, TradeEndReason reason);

    /// <summary>Where the trade stands for <paramref name="characterId"/>'s escrow; wakes an unfinished exchange. Interleaves, like <see cref="Abandon"/>.</summary>
    [Alias("GetDecision"), Orleans.Concurrency.AlwaysInterleave]
    Task<TradeDecision> GetDecision(Guid characterId);
}
