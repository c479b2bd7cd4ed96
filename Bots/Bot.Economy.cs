using System.Diagnostics;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Bots;

// A fighting bot's economy: it drinks a potion when hurt, trades gold and bread with bots of its process
// standing near it (--trade-rate), and keeps a ledger of what it held at the start, looted, used and holds at
// the end, which the run sums into the conservation check. Trade steps ride on the combat loop's ticks (one
// request a tick), driven by the trade as the last TradeUpdate push or trade answer told it.
public sealed partial class Bot
{
    /// <summary>Closer than the server's trade distance (10 m by default), so movement between request and confirm rarely breaks it.</summary>
    private const double TradeReach = 6;

    private static readonly TimeSpan TradePatience = TimeSpan.FromSeconds(20);

    /// <summary>Answers a trading bot expects now and then: the protocol's documented refusals, counted as such.</summary>
    private static readonly ErrorCode[] TradeRefusals =
    [
        ErrorCode.TradeNotFound, ErrorCode.TradeWrongState, ErrorCode.TradeBusy, ErrorCode.TradeTooFar, ErrorCode.ItemNotHeld,
        ErrorCode.ItemNotTradeable, ErrorCode.ItemNotUsable, ErrorCode.PlayerNotFound, ErrorCode.PlayerOffline,
    ];

    private readonly object _tradeGate = new();
    private TradeInfo? _trade;
    private string? _endedTrade;
    private long _tradeSince;
    private bool _offered;
    private string _name = "";

    // The ledger: the start once per bot (first entry), the rest as it plays.
    private (long Gold, long Items, Dictionary<string, long> ById)? _ledgerStart;
    private bool _ledgerClosed;
    private long _goldLooted;
    private long _itemsLooted;
    private long _itemsUsed;
    // Per item id, so goods turned into other goods (potions into swords) fail the check even when the totals agree.
    private readonly Dictionary<string, long> _lootedById = [];
    private readonly Dictionary<string, long> _usedById = [];
    private int _potions;

    private async Task StartLedgerAsync(InWorldSession session, string name, CancellationToken stop)
    {
        _name = name;
        _settings.Traders[name] = 0;
        var inventory = await TimedAsync(Opcode.GetInventory, () => session.Client.GetInventoryAsync(stop));
        _ledgerStart ??= (Gold(inventory), Items(inventory), ById(inventory));
        _potions = CountOf(inventory, "potion-small");
    }

    private void NoteLoot(Loot? loot)
    {
        if (loot is null)
        {
            return;
        }

        Interlocked.Add(ref _goldLooted, (long)loot.Gold);
        var items = loot.Items.Sum(i => (long)i.Count);
        Interlocked.Add(ref _itemsLooted, items);
        lock (_lootedById)
        {
            foreach (var item in loot.Items)
            {
                _lootedById[item.ItemId] = _lootedById.GetValueOrDefault(item.ItemId) + item.Count;
            }
        }
        _potions += (int)loot.Items.Where(i => i.ItemId == "potion-small").Sum(i => (long)i.Count);
    }

    /// <summary>A potion below 40% health, if it has one; true when it spent the tick on it.</summary>
    private async Task<bool> DrinkIfHurtAsync(MmoClient client, WorldView view, CancellationToken stop)
    {
        SelfStatus? self;
        lock (view)
        {
            self = view.Self;
        }

        if (_potions <= 0 || self is not { Dead: false } || self.MaxHealth == 0 || self.Health * 10 >= self.MaxHealth * 4)
        {
            return false;
        }

        try
        {
            var used = await TimedAsync(Opcode.UseItem, () => client.UseItemAsync("potion-small", stop), documented: TradeRefusals);
            _itemsUsed++;
            lock (_usedById)
            {
                _usedById["potion-small"] = _usedById.GetValueOrDefault("potion-small") + 1;
            }
            _metrics.Increment(Counter.PotionsUsed);
            _potions = CountOf(used.Inventory, "potion-small");
        }
        catch (MmoErrorException ex) when (ex.Code is ErrorCode.ItemNotUsable or ErrorCode.ItemNotHeld)
        {
            // Died meanwhile, or traded the last one away: documented answers.
            _metrics.Refusal(ErrorNames.Of(ex.Code));
            _potions = ex.Code == ErrorCode.ItemNotHeld ? 0 : _potions;
        }

        return true;
    }

    /// <summary>A TradeUpdate push: the trade it is in, or an invitation when it is in none.</summary>
    private void OnTradeUpdate(TradeInfo trade)
    {
        lock (_tradeGate)
        {
            if (trade.TradeId == _endedTrade)
            {
                return;
            }

            if (_trade is null ? trade.Phase == TradePhase.Invited : _trade.TradeId == trade.TradeId)
            {
                if (_trade is null)
                {
                    _tradeSince = Stopwatch.GetTimestamp();
                    _offered = false;
                }

                _trade = trade;
            }
        }
    }

    /// <summary>One trade step if one is due; true when it spent the tick on it.</summary>
    private async Task<bool> TradeTickAsync(MmoClient client, WorldView view, Vec2 position, double tickSeconds, CancellationToken stop)
    {
        TradeInfo? trade;
        lock (_tradeGate)
        {
            trade = _trade;
        }

        if (trade is null)
        {
            return _settings.TradeRate > 0 && _random.NextDouble() < _settings.TradeRate * tickSeconds / 60 && await InviteAsync(client, view, position, stop);
        }

        var mine = trade.Initiator.Name == _name ? trade.Initiator : trade.Partner;
        var theirs = ReferenceEquals(mine, trade.Initiator) ? trade.Partner : trade.Initiator;
        if (trade.Phase is TradePhase.Completed or TradePhase.Cancelled)
        {
            End(trade);
            return false;
        }

        try
        {
            if (trade.Phase is TradePhase.Invited or TradePhase.Open && Stopwatch.GetElapsedTime(_tradeSince) > TradePatience)
            {
                Adopt(await TimedAsync(Opcode.CancelTrade, () => client.CancelTradeAsync(trade.TradeId, stop), documented: TradeRefusals));
                return true;
            }

            switch (trade.Phase)
            {
                case TradePhase.Invited when ReferenceEquals(mine, trade.Partner):
                    Adopt(await TimedAsync(Opcode.AcceptTrade, () => client.AcceptTradeAsync(trade.TradeId, stop), documented: TradeRefusals));
                    return true;
                case TradePhase.Open when !_offered:
                    _offered = true;
                    (string, uint)[] bread = _random.NextDouble() < 0.5 ? [("bread", 1)] : [];
                    Adopt(await TimedAsync(Opcode.OfferTrade, () => client.OfferTradeAsync(trade.TradeId, (ulong)_random.Next(1, 6), bread, stop), documented: TradeRefusals));
                    return true;
                case TradePhase.Open when !mine.Locked:
                    Adopt(await TimedAsync(Opcode.LockTrade, () => client.LockTradeAsync(trade.TradeId, stop), documented: TradeRefusals));
                    return true;
                case TradePhase.Open when theirs.Locked && !mine.Confirmed:
                    Adopt(await TimedAsync(Opcode.ConfirmTrade, () => client.ConfirmTradeAsync(trade.TradeId, stop), documented: TradeRefusals));
                    return true;
                default:
                    return false;
            }
        }
        catch (MmoErrorException ex) when (ex.Code is ErrorCode.TradeNotFound or ErrorCode.TradeWrongState or ErrorCode.ItemNotHeld or ErrorCode.ItemNotTradeable)
        {
            // The trade moved on (the partner cancelled, left, or changed its offer) or the bread is gone: a documented answer.
            _metrics.Refusal(ErrorNames.Of(ex.Code));
            if (ex.Code is ErrorCode.TradeNotFound or ErrorCode.ItemNotHeld)
            {
                await CancelQuietlyAsync(client, trade.TradeId, stop);
                End(trade);
            }

            return true;
        }
    }

    private async Task<bool> InviteAsync(MmoClient client, WorldView view, Vec2 position, CancellationToken stop)
    {
        string? partner = null;
        lock (view)
        {
            foreach (var entity in view.Entities.Values)
            {
                if (entity.Kind == EntityKind.Player && !entity.Dead && entity.Name != _name && _settings.Traders.ContainsKey(entity.Name)
                    && Math.Sqrt(((entity.X - position.X) * (entity.X - position.X)) + ((entity.Y - position.Y) * (entity.Y - position.Y))) <= TradeReach)
                {
                    partner = entity.Name;
                    break;
                }
            }
        }

        if (partner is null)
        {
            return false;
        }

        try
        {
            _metrics.Increment(Counter.TradesRequested);
            var trade = await TimedAsync(Opcode.RequestTrade, () => client.RequestTradeAsync(partner, stop), documented: TradeRefusals);
            lock (_tradeGate)
            {
                _trade ??= trade;
                _tradeSince = Stopwatch.GetTimestamp();
                _offered = false;
            }
        }
        catch (MmoErrorException ex) when (ex.Code is ErrorCode.TradeBusy or ErrorCode.TradeTooFar or ErrorCode.PlayerNotFound or ErrorCode.PlayerOffline)
        {
            _metrics.Refusal(ErrorNames.Of(ex.Code));
        }

        return true;
    }

    /// <summary>A trade answer is the trade's newest state.</summary>
    private void Adopt(TradeInfo trade)
    {
        lock (_tradeGate)
        {
            if (_trade?.TradeId == trade.TradeId)
            {
                _trade = trade;
            }
        }

        if (trade.Phase is TradePhase.Completed or TradePhase.Cancelled)
        {
            End(trade);
        }
    }

    private void End(TradeInfo trade)
    {
        lock (_tradeGate)
        {
            if (_trade?.TradeId != trade.TradeId || _endedTrade == trade.TradeId)
            {
                return;
            }

            _endedTrade = trade.TradeId;
            _trade = null;
        }

        if (trade.Phase == TradePhase.Completed && trade.Initiator.Name == _name)
        {
            _metrics.Increment(Counter.TradesCompleted);
        }
        else if (trade.Phase == TradePhase.Cancelled && trade.Initiator.Name == _name)
        {
            _metrics.Refusal(ErrorNames.Of(trade.Reason));
        }
    }

    private static async Task CancelQuietlyAsync(MmoClient client, string tradeId, CancellationToken stop)
    {
        try
        {
            await client.CancelTradeAsync(tradeId, stop);
        }
        catch (MmoErrorException)
        {
            // Ended already, or its exchange is under way: either way nothing to cancel.
        }
    }

    /// <summary>
    /// At the end of the run: gives up a trade not yet exchanging, waits for one that is, reads the final
    /// inventory (nothing left in escrow) and adds the bot's ledger to the run's. A bot that cannot read it is
    /// counted as unread, and the check is then not made.
    /// </summary>
    private async Task CloseLedgerAsync(InWorldSession session)
    {
        if (_ledgerStart is not { } start)
        {
            return;
        }

        _ledgerClosed = true;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            TradeInfo? trade;
            lock (_tradeGate)
            {
                trade = _trade;
            }

            if (trade is { Phase: TradePhase.Invited or TradePhase.Open })
            {
                await CancelQuietlyAsync(session.Client, trade.TradeId, deadline.Token);
            }

            Inventory inventory;
            while (true)
            {
                inventory = await session.Client.GetInventoryAsync(deadline.Token);
                if (inventory.EscrowGold == 0 && inventory.EscrowItems.Count == 0)
                {
                    break;
                }

                // An exchange is taking this bot's goods or settling them: it ends within milliseconds.
                await Task.Delay(50, deadline.Token);
            }

            _metrics.Increment(Counter.LedgerBots);
            _metrics.Add(Counter.LedgerGoldStart, start.Gold);
            _metrics.Add(Counter.LedgerItemsStart, start.Items);
            _metrics.Add(Counter.LedgerGoldLooted, _goldLooted);
            _metrics.Add(Counter.LedgerItemsLooted, _itemsLooted);
            _metrics.Add(Counter.LedgerItemsUsed, _itemsUsed);
            _metrics.Add(Counter.LedgerGoldEnd, Gold(inventory));
            _metrics.Add(Counter.LedgerItemsEnd, Items(inventory));
            AddItemLedger("start", start.ById);
            lock (_lootedById)
            {
                AddItemLedger("looted", _lootedById);
            }

            lock (_usedById)
            {
                AddItemLedger("used", _usedById);
            }

            AddItemLedger("end", ById(inventory));
        }
        catch (Exception ex) when (ex is MmoErrorException or TimeoutException or OperationCanceledException or MmoDisconnectedException or IOException)
        {
            _metrics.Increment(Counter.LedgerBotsUnread);
        }
    }

    private void AddItemLedger(string entry, Dictionary<string, long> counts)
    {
        foreach (var (itemId, count) in counts)
        {
            _metrics.ItemLedger(entry, itemId, count);
        }
    }

    private static Dictionary<string, long> ById(Inventory inventory)
    {
        var counts = new Dictionary<string, long>();
        foreach (var item in inventory.Items.Concat(inventory.EscrowItems))
        {
            counts[item.ItemId] = counts.GetValueOrDefault(item.ItemId) + item.Count;
        }

        return counts;
    }

    private static long Gold(Inventory inventory) => (long)inventory.Gold + (long)inventory.EscrowGold;

    private static long Items(Inventory inventory) => inventory.Items.Sum(i => (long)i.Count) + inventory.EscrowItems.Sum(i => (long)i.Count);

    private static int CountOf(Inventory inventory, string itemId) => (int)inventory.Items.Where(i => i.ItemId == itemId).Sum(i => (long)i.Count);
}
