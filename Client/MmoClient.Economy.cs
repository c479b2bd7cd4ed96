using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

// Items, gold and trades (docs/economy.md). Every change of goods the server acknowledges is stored.
public sealed partial class MmoClient
{
    /// <summary>The character's gold and item stacks.</summary>
    public async Task<Inventory> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        (await SendRequestAsync(Opcode.GetInventory, new GetInventoryRequest(), GetInventoryResponse.Parser, cancellationToken).ConfigureAwait(false)).Inventory;

    /// <summary>Uses one of an item (a potion heals by the amount the game data gives); fails with <c>ITEM_NOT_HELD</c> or <c>ITEM_NOT_USABLE</c>.</summary>
    public Task<UseItemResponse> UseItemAsync(string itemId, CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.UseItem, new UseItemRequest { ItemId = itemId }, UseItemResponse.Parser, cancellationToken);

    /// <summary>Drops (destroys) <paramref name="count"/> of an item; answers the inventory after.</summary>
    public async Task<Inventory> DropItemAsync(string itemId, uint count, CancellationToken cancellationToken = default) =>
        (await SendRequestAsync(Opcode.DropItem, new DropItemRequest { ItemId = itemId, Count = count }, DropItemResponse.Parser, cancellationToken).ConfigureAwait(false)).Inventory;

    /// <summary>Invites the character named <paramref name="targetName"/> to trade (same zone, within the trade distance). Both sides get TradeUpdate pushes from now on.</summary>
    public Task<TradeInfo> RequestTradeAsync(string targetName, CancellationToken cancellationToken = default) =>
        TradeAsync(Opcode.RequestTrade, new RequestTradeRequest { TargetName = targetName }, cancellationToken);

    /// <summary>Accepts an invitation (its id from the TradeUpdate push).</summary>
    public Task<TradeInfo> AcceptTradeAsync(string tradeId, CancellationToken cancellationToken = default) =>
        TradeAsync(Opcode.AcceptTrade, new AcceptTradeRequest { TradeId = tradeId }, cancellationToken);

    /// <summary>Replaces this side's offer: <paramref name="gold"/> and item stacks (each item once). Lifts both sides' locks and confirmations.</summary>
    public Task<TradeInfo> OfferTradeAsync(string tradeId, ulong gold, IEnumerable<(string ItemId, uint Count)> items, CancellationToken cancellationToken = default)
    {
        var offer = new TradeOffer { Gold = gold };
        offer.Items.AddRange(items.Select(i => new ItemStack { ItemId = i.ItemId, Count = i.Count }));
        return TradeAsync(Opcode.OfferTrade, new OfferTradeRequest { TradeId = tradeId, Offer = offer }, cancellationToken);
    }

    /// <summary>Locks this side's offer (the server checks the goods are held).</summary>
    public Task<TradeInfo> LockTradeAsync(string tradeId, CancellationToken cancellationToken = default) =>
        TradeAsync(Opcode.LockTrade, new LockTradeRequest { TradeId = tradeId }, cancellationToken);

    /// <summary>Confirms; the second confirmation runs the exchange, and the answer says <c>COMPLETED</c> or why it was <c>CANCELLED</c>.</summary>
    public Task<TradeInfo> ConfirmTradeAsync(string tradeId, CancellationToken cancellationToken = default) =>
        TradeAsync(Opcode.ConfirmTrade, new ConfirmTradeRequest { TradeId = tradeId }, cancellationToken);

    /// <summary>Cancels (or declines) a trade whose exchange has not begun.</summary>
    public Task<TradeInfo> CancelTradeAsync(string tradeId, CancellationToken cancellationToken = default) =>
        TradeAsync(Opcode.CancelTrade, new CancelTradeRequest { TradeId = tradeId }, cancellationToken);

    private async Task<TradeInfo> TradeAsync<TRequest>(Opcode opcode, TRequest request, CancellationToken cancellationToken)
        where TRequest : Google.Protobuf.IMessage =>
        (await SendRequestAsync(opcode, request, TradeResponse.Parser, cancellationToken).ConfigureAwait(false)).Trade;
}
