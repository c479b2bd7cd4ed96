using Google.Protobuf;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World;

/// <summary>
/// The TradeUpdate push, encoded by the trade grain. The gateway's <c>EconomyWire</c> converts the same
/// record for responses (the two assemblies share no project that knows both): keep them field for field the same.
/// </summary>
public static class TradeWire
{
    public static byte[] EncodeUpdate(TradeView view) => new Wire.TradeUpdate { Trade = ToWire(view) }.ToByteArray();

    public static Wire.TradeInfo ToWire(TradeView view) => new()
    {
        TradeId = view.TradeId.ToString(),
        Phase = (Wire.TradePhase)view.Phase,
        Initiator = ToWire(view.Initiator),
        Partner = ToWire(view.Partner),
        Reason = (Wire.TradeEndReason)view.Reason,
    };

    private static Wire.TradeSide ToWire(TradeSide side)
    {
        var offer = new Wire.TradeOffer { Gold = (ulong)Math.Max(0, side.Offer.Gold) };
        foreach (var stack in side.Offer.Items)
        {
            offer.Items.Add(new Wire.ItemStack { ItemId = stack.ItemId, Count = (uint)stack.Count });
        }

        return new Wire.TradeSide
        {
            CharacterId = side.CharacterId.ToString(),
            Name = side.Name,
            Offer = offer,
            Locked = side.Locked,
            Confirmed = side.Confirmed,
        };
    }
}
