using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.Persistence;

namespace OrleansMmo.Grains.World;

// Items, gold and the character's side of trades. Every change of goods is written through before the
// caller hears it succeeded; a write that fails is undone in memory (no write of it is still running,
// see docs/persistence.md) and the caller hears an error. The rules of a trade's exchange and its
// guarantees: docs/economy.md.
public sealed partial class PlayerGrain
{
    /// <summary>The trade this character is in (asked, open, or exchanging); in memory only: a trade before its exchange does not outlive its players' activations.</summary>
    private Guid? _tradeId;

    public Task<Result<InventoryView>> GetInventory(Guid sessionId) =>
        Task.FromResult(Check(sessionId) is var error and not GameError.None
            ? (Result<InventoryView>)error
            : Result.Ok(Inventory()));

    public async Task<Result<ItemUseOutcome>> UseItem(Guid sessionId, string itemId)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        if (!gameData.Items.TryGetValue(itemId ?? "", out var item))
        {
            return GameError.ItemInvalid;
        }

        if (!InventoryChanges.TryApply(State.Inventory, State.Gold, new InventoryChange(item.Id, -1, 0), gameData, out var inventory, out var gold, out _))
        {
            return GameError.ItemNotHeld;
        }

        var heal = item.Effects?.Where(e => e.Type == ItemEffect.Heal).Sum(e => e.Amount) ?? 0;
        if (heal <= 0)
        {
            return GameError.ItemNotUsable;
        }

        ZoneHealResult healed;
        try
        {
            healed = await ZoneGrain(State.ZoneId).Heal(CharacterId, heal);
            if (!healed.Here)
            {
                // The zone restarted and forgot us: enter again, then heal there.
                _entityId = await EnterZoneAsync();
                healed = await ZoneGrain(State.ZoneId).Heal(CharacterId, heal);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
            return GameError.WorldUnavailable;
        }

        if (healed.Dead || !healed.Here)
        {
            return GameError.ItemNotUsable;
        }

        // The effect first, then the item is spent: a crash in between gives a free heal, never a second potion.
        await WriteGoodsAsync(inventory, gold, State.Escrow);
        metrics.ItemsUsed.Add(1);
        return Result.Ok(new ItemUseOutcome(item.Id, healed.Healed, healed.Health, Inventory()));
    }

    public async Task<Result<InventoryView>> DropItem(Guid sessionId, string itemId, int count)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        if (count <= 0 || !gameData.Items.ContainsKey(itemId ?? ""))
        {
            return GameError.ItemInvalid;
        }

        if (!InventoryChanges.TryApply(State.Inventory, State.Gold, new InventoryChange(itemId, -count, 0), gameData, out var inventory, out var gold, out _))
        {
            return GameError.ItemNotHeld;
        }

        await WriteGoodsAsync(inventory, gold, State.Escrow);
        metrics.ItemsDropped.Add(count);
        return Result.Ok(Inventory());
    }

    public async Task<Result<TradeView>> RequestTrade(Guid sessionId, string targetName)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        if (await IsTradingAsync())
        {
            return GameError.TradeBusy;
        }

        if (string.IsNullOrWhiteSpace(targetName) || targetName.Length > AccountKeys.MaxUsernameLength)
        {
            return GameError.PlayerNotFound;
        }

        var target = (await GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.Key(WorldId, targetName, gameData.DefaultWorld))
            .Find(AccountKeys.NormalizeCharacterName(targetName)))?.CharacterId ?? Guid.Empty;
        if (target == Guid.Empty || target == CharacterId)
        {
            return GameError.PlayerNotFound;
        }

        var tradeId = Guid.NewGuid();
        var me = new TradeParty(CharacterId, State.Name, _session!);
        var invited = await GrainFactory.GetGrain<IPlayerGrain>(target)
            .ReceiveTradeInvite(new TradeInvite(tradeId, me, ZoneKeys.Of(WorldId, State.ZoneId), State.Position));
        if (!invited.TryGetValue(out var partner, out var failure))
        {
            return failure;
        }

        _tradeId = tradeId;
        return Result.Ok(await GrainFactory.GetGrain<ITradeGrain>(tradeId).Open(me, partner));
    }

    public async Task<Result<TradeParty>> ReceiveTradeInvite(TradeInvite invite)
    {
        if (_session is not { } session)
        {
            return GameError.PlayerOffline;
        }

        if (invite.ZoneKey != ZoneKeys.Of(WorldId, State.ZoneId)
            || invite.Position.DistanceSquaredTo(State.Position) > _options.TradeDistance * _options.TradeDistance)
        {
            return GameError.TradeTooFar;
        }

        if (await IsTradingAsync())
        {
            return GameError.TradeBusy;
        }

        _tradeId = invite.TradeId;
        return Result.Ok(new TradeParty(CharacterId, State.Name, session));
    }

    public Task<TradeStanding> GetTradeStanding() =>
        Task.FromResult(new TradeStanding(_session is not null, ZoneKeys.Of(WorldId, State.ZoneId), State.Position));

    public Task<bool> Covers(TradeOffer offer) => Task.FromResult(Goods.Holds(State.Inventory, State.Gold, offer));

    public async Task<Result> Reserve(Guid tradeId, TradeOffer offer)
    {
        if (State.Escrow.Any(e => e.TradeId == tradeId))
        {
            // Done before (a retried step): once only.
            return Result.Success;
        }

        if (!Goods.TryTake(State.Inventory, State.Gold, offer, gameData, out var inventory, out var gold))
        {
            return GameError.ItemNotHeld;
        }

        await WriteGoodsAsync(inventory, gold, [.. State.Escrow, new EscrowEntry(tradeId, offer)]);
        LogEscrowReserved(logger, CharacterId, tradeId);
        return Result.Success;
    }

    public async Task Settle(Guid tradeId, TradeOffer receive)
    {
        if (State.Escrow.FirstOrDefault(e => e.TradeId == tradeId) is not { } entry)
        {
            return;
        }

        // One write drops this side's escrow (now the partner's) and brings in the partner's goods.
        var (inventory, gold) = Goods.AddUnrefusable(State.Inventory, State.Gold, receive, gameData);
        await WriteGoodsAsync(inventory, gold, [.. State.Escrow.Where(e => e != entry)]);
        ForgetTrade(tradeId);
        LogEscrowSettled(logger, CharacterId, tradeId);
    }

    public async Task Release(Guid tradeId)
    {
        if (State.Escrow.FirstOrDefault(e => e.TradeId == tradeId) is not { } entry)
        {
            ForgetTrade(tradeId);
            return;
        }

        var (inventory, gold) = Goods.AddUnrefusable(State.Inventory, State.Gold, entry.Offer, gameData);
        await WriteGoodsAsync(inventory, gold, [.. State.Escrow.Where(e => e != entry)]);
        ForgetTrade(tradeId);
        LogEscrowReleased(logger, CharacterId, tradeId);
    }

    public Task<Holdings> GetHoldings() => Task.FromResult(new Holdings(State.Gold, [.. State.Inventory], [.. State.Escrow]));

    /// <summary>
    /// At activation: every escrow entry is settled or released by its trade's recorded decision. An
    /// exchange still under way is left to its trade grain, which the question woke and which finishes or
    /// undoes it. A trade grain that cannot be reached leaves the entry for the next activation.
    /// </summary>
    private async Task ResolveEscrowAsync()
    {
        foreach (var entry in State.Escrow.ToList())
        {
            try
            {
                var decision = await GrainFactory.GetGrain<ITradeGrain>(entry.TradeId).GetDecision(CharacterId);
                switch (decision.Phase)
                {
                    case TradePhase.Committed or TradePhase.Completed when decision.Receive is { } receive:
                        await Settle(entry.TradeId, receive);
                        break;
                    case TradePhase.Cancelled or TradePhase.None or TradePhase.Invited or TradePhase.Open:
                        await Release(entry.TradeId);
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEscrowUnresolved(logger, CharacterId, entry.TradeId, ex);
            }
        }
    }

    /// <summary>Whether the character is in a live trade; forgets one that ended.</summary>
    private async Task<bool> IsTradingAsync()
    {
        if (_tradeId is not { } tradeId)
        {
            return false;
        }

        var phase = (await GrainFactory.GetGrain<ITradeGrain>(tradeId).GetDecision(CharacterId)).Phase;
        if (phase is TradePhase.Invited or TradePhase.Open or TradePhase.Exchanging or TradePhase.Committed)
        {
            return true;
        }

        ForgetTrade(tradeId);
        return false;
    }

    private void ForgetTrade(Guid tradeId)
    {
        if (_tradeId == tradeId)
        {
            _tradeId = null;
        }
    }

    /// <summary>Leaving the zone, the world or the connection gives up an unfinished trade (one past both confirmations finishes anyway).</summary>
    private async Task AbandonTradeQuietlyAsync(TradeEndReason reason)
    {
        if (_tradeId is not { } tradeId)
        {
            return;
        }

        _tradeId = null;
        try
        {
            await GrainFactory.GetGrain<ITradeGrain>(tradeId).Abandon(CharacterId, reason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The trade grain is unreachable: its exchange, if any, finishes without us; an unstarted trade is gone with its silo.
            LogEscrowUnresolved(logger, CharacterId, tradeId, ex);
        }
    }

    /// <summary>Writes new goods through; on failure puts the old ones back and rethrows (the caller hears an error, nothing changed).</summary>
    private async Task WriteGoodsAsync(List<ItemStack> inventory, long gold, List<EscrowEntry> escrow)
    {
        var (oldInventory, oldGold, oldEscrow) = (State.Inventory, State.Gold, State.Escrow);
        State.Inventory = inventory;
        State.Gold = gold;
        State.Escrow = escrow;
        try
        {
            await state.WriteThroughAsync();
        }
        catch (StateNotWrittenException)
        {
            State.Inventory = oldInventory;
            State.Gold = oldGold;
            State.Escrow = oldEscrow;
            throw;
        }
    }

    private InventoryView Inventory() => new(State.Gold, [.. State.Inventory], InventoryChanges.MaxStacks,
        State.Escrow.Sum(e => e.Offer.Gold), [.. State.Escrow.SelectMany(e => e.Offer.Items)]);

    [LoggerMessage(EventId = LogEvents.PlayerEscrowReserved, Level = LogLevel.Debug, Message = "Character {CharacterId} put its offer for trade {TradeId} into escrow")]
    private static partial void LogEscrowReserved(ILogger logger, Guid characterId, Guid tradeId);

    [LoggerMessage(EventId = LogEvents.PlayerEscrowSettled, Level = LogLevel.Debug, Message = "Character {CharacterId} received its partner's goods for trade {TradeId}")]
    private static partial void LogEscrowSettled(ILogger logger, Guid characterId, Guid tradeId);

    [LoggerMessage(EventId = LogEvents.PlayerEscrowReleased, Level = LogLevel.Information, Message = "Character {CharacterId} took back its escrow of cancelled trade {TradeId}")]
    private static partial void LogEscrowReleased(ILogger logger, Guid characterId, Guid tradeId);

    [LoggerMessage(EventId = LogEvents.PlayerEscrowUnresolved, Level = LogLevel.Warning, Message = "Character {CharacterId} could not reach trade {TradeId}; its escrow waits for the next activation")]
    private static partial void LogEscrowUnresolved(ILogger logger, Guid characterId, Guid tradeId, Exception exception);
}
