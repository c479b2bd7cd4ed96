using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains;
using OrleansMmo.Grains.World;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Handlers;

// Items and trades. Inventory requests go through the character's player grain; trade requests after the
// invitation go straight to the trade grain, which knows both sides' sessions and checks the caller's
// (the trade grain calls the player grains during an exchange, so the player grains must not call it then).
public sealed partial class WorldHandlers
{
    public async ValueTask<Reply> GetInventoryAsync(ClientSession session, PlayingCharacter playing, Wire.GetInventoryRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.GetInventory(sessionId), r => r.Failure.Error);
        return result.TryGetValue(out var inventory, out var failure)
            ? Reply.Ok(new Wire.GetInventoryResponse { Inventory = EconomyWire.ToWire(inventory) })
            : failure;
    }

    public async ValueTask<Reply> UseItemAsync(ClientSession session, PlayingCharacter playing, Wire.UseItemRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.UseItem(sessionId, request.ItemId), r => r.Failure.Error);
        return result.TryGetValue(out var used, out var failure)
            ? Reply.Ok(new Wire.UseItemResponse
            {
                ItemId = used.ItemId,
                Healed = (uint)Math.Max(0, used.Healed),
                Health = (uint)Math.Max(0, used.Health),
                Inventory = EconomyWire.ToWire(used.Inventory),
            })
            : failure;
    }

    public async ValueTask<Reply> DropItemAsync(ClientSession session, PlayingCharacter playing, Wire.DropItemRequest request)
    {
        if (request.Count is 0 or > int.MaxValue)
        {
            return GameError.ItemInvalid;
        }

        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.DropItem(sessionId, request.ItemId, (int)request.Count), r => r.Failure.Error);
        return result.TryGetValue(out var inventory, out var failure)
            ? Reply.Ok(new Wire.DropItemResponse { Inventory = EconomyWire.ToWire(inventory) })
            : failure;
    }

    public async ValueTask<Reply> RequestTradeAsync(ClientSession session, PlayingCharacter playing, Wire.RequestTradeRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.RequestTrade(sessionId, request.TargetName), r => r.Failure.Error);
        return Answer(result);
    }

    public ValueTask<Reply> AcceptTradeAsync(ClientSession session, PlayingCharacter playing, Wire.AcceptTradeRequest request) =>
        OnTradeAsync(playing, request.TradeId, (trade, sessionId) => trade.Accept(playing.CharacterId, sessionId));

    public ValueTask<Reply> OfferTradeAsync(ClientSession session, PlayingCharacter playing, Wire.OfferTradeRequest request)
    {
        if (EconomyWire.FromWire(request.Offer) is not { } offer)
        {
            return ValueTask.FromResult<Reply>(GameError.ItemInvalid);
        }

        return OnTradeAsync(playing, request.TradeId, (trade, sessionId) => trade.SetOffer(playing.CharacterId, sessionId, offer));
    }

    public ValueTask<Reply> LockTradeAsync(ClientSession session, PlayingCharacter playing, Wire.LockTradeRequest request) =>
        OnTradeAsync(playing, request.TradeId, (trade, sessionId) => trade.Lock(playing.CharacterId, sessionId));

    public ValueTask<Reply> ConfirmTradeAsync(ClientSession session, PlayingCharacter playing, Wire.ConfirmTradeRequest request) =>
        OnTradeAsync(playing, request.TradeId, (trade, sessionId) => trade.Confirm(playing.CharacterId, sessionId));

    public ValueTask<Reply> CancelTradeAsync(ClientSession session, PlayingCharacter playing, Wire.CancelTradeRequest request) =>
        OnTradeAsync(playing, request.TradeId, (trade, sessionId) => trade.Cancel(playing.CharacterId, sessionId));

    private async ValueTask<Reply> OnTradeAsync(PlayingCharacter playing, string tradeId, Func<ITradeGrain, Guid, Task<Result<TradeView>>> call)
    {
        if (!Guid.TryParse(tradeId, out var id) || id == Guid.Empty)
        {
            return GameError.TradeNotFound;
        }

        return Answer(await call(grains.GetGrain<ITradeGrain>(id), playing.SessionId));
    }

    private static Reply Answer(Result<TradeView> result) =>
        result.TryGetValue(out var view, out var failure)
            ? Reply.Ok(new Wire.TradeResponse { Trade = EconomyWire.ToWire(view) })
            : failure;
}
