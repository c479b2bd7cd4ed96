using OrleansMmo.Grains.World;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>Inventories and trades as wire messages. <c>TradeWire</c> in the grains encodes the TradeUpdate push the same way: keep them field for field the same.</summary>
internal static class EconomyWire
{
    /// <summary>Most stacks a wire offer may name before it is refused unread (the trade grain applies the configured limit).</summary>
    private const int MaxWireStacks = 100;

    public static Wire.Inventory ToWire(InventoryView inventory)
    {
        var wire = new Wire.Inventory
        {
            Gold = (ulong)Math.Max(0, inventory.Gold),
            MaxStacks = (uint)inventory.MaxStacks,
            EscrowGold = (ulong)Math.Max(0, inventory.EscrowGold),
        };
        foreach (var stack in inventory.Items)
        {
            wire.Items.Add(new Wire.ItemStack { ItemId = stack.ItemId, Count = (uint)stack.Count });
        }

        foreach (var stack in inventory.EscrowItems ?? [])
        {
            wire.EscrowItems.Add(new Wire.ItemStack { ItemId = stack.ItemId, Count = (uint)stack.Count });
        }

        return wire;
    }

    public static Wire.TradeInfo ToWire(TradeView view) => new()
    {
        TradeId = view.TradeId.ToString(),
        Phase = (Wire.TradePhase)view.Phase,
        Initiator = ToWire(view.Initiator),
        Partner = ToWire(view.Partner),
        Reason = (Wire.TradeEndReason)view.Reason,
    };

    /// <summary>An offer from the wire; null when a count or the gold does not fit the grains' types (the trade grain checks the rest).</summary>
    public static TradeOffer? FromWire(Wire.TradeOffer? offer)
    {
        if (offer is null)
        {
            return TradeOffer.Empty;
        }

        if (offer.Gold > long.MaxValue || offer.Items.Count > MaxWireStacks || offer.Items.Any(s => s.Count > int.MaxValue))
        {
            return null;
        }

        return new TradeOffer((long)offer.Gold, [.. offer.Items.Select(s => new ItemStack(s.ItemId, (int)s.Count))]);
    }

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
