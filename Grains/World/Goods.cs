using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Grains.World;

/// <summary>
/// Whole bundles of goods (a trade offer, a loot drop) against an inventory and a purse. Plain C#:
/// the player grain decides when, these decide what. Every method leaves its inputs untouched and
/// answers new lists, so a caller that cannot write the result keeps the old state as it was.
/// </summary>
public static class Goods
{
    /// <summary>Whether the inventory and purse hold all of <paramref name="offer"/>.</summary>
    public static bool Holds(IReadOnlyList<ItemStack> inventory, long gold, TradeOffer offer)
    {
        if (offer.Gold < 0 || offer.Gold > gold)
        {
            return false;
        }

        foreach (var wanted in offer.Items.GroupBy(s => s.ItemId))
        {
            var need = wanted.Sum(s => (long)s.Count);
            if (need <= 0 || inventory.Where(s => s.ItemId == wanted.Key).Sum(s => (long)s.Count) < need)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Takes all of <paramref name="offer"/> or nothing.</summary>
    public static bool TryTake(IReadOnlyList<ItemStack> inventory, long gold, TradeOffer offer, GameDataCatalog data,
        out List<ItemStack> newInventory, out long newGold)
    {
        newInventory = [.. inventory];
        newGold = gold;
        if (!Holds(inventory, gold, offer))
        {
            return false;
        }

        newGold = gold - offer.Gold;
        foreach (var stack in offer.Items)
        {
            var held = newInventory.Where(s => s.ItemId == stack.ItemId).Sum(s => (long)s.Count);
            var left = stack.Count;
            // The last stacks first, as InventoryChanges takes: a partly used stack is usually the newest.
            for (var i = newInventory.Count - 1; i >= 0 && left > 0; i--)
            {
                if (newInventory[i].ItemId != stack.ItemId)
                {
                    continue;
                }

                var taken = Math.Min(left, newInventory[i].Count);
                left -= taken;
                if (taken == newInventory[i].Count)
                {
                    newInventory.RemoveAt(i);
                }
                else
                {
                    newInventory[i] = newInventory[i] with { Count = newInventory[i].Count - taken };
                }
            }

            if (left > 0 || held < stack.Count)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Adds goods that must not be refused (a decided trade, escrow coming back): stacks are topped up
    /// first, then new stacks are made even past <see cref="InventoryChanges.MaxStacks"/>, by at most the
    /// stacks of one trade (documented). An item the game data no longer knows is kept in stacks of one.
    /// </summary>
    public static (List<ItemStack> Inventory, long Gold) AddUnrefusable(IReadOnlyList<ItemStack> inventory, long gold, TradeOffer goods, GameDataCatalog data)
    {
        var newInventory = new List<ItemStack>(inventory);
        foreach (var stack in goods.Items)
        {
            var maxStack = data.Items.TryGetValue(stack.ItemId, out var item) ? item.MaxStack : 1;
            var left = stack.Count;
            for (var i = 0; i < newInventory.Count && left > 0; i++)
            {
                if (newInventory[i].ItemId == stack.ItemId && newInventory[i].Count < maxStack)
                {
                    var added = Math.Min(left, maxStack - newInventory[i].Count);
                    newInventory[i] = newInventory[i] with { Count = newInventory[i].Count + added };
                    left -= added;
                }
            }

            while (left > 0)
            {
                var count = Math.Min(left, maxStack);
                newInventory.Add(new ItemStack(stack.ItemId, count));
                left -= count;
            }
        }

        return (newInventory, gold + goods.Gold);
    }

    /// <summary>
    /// Adds a loot drop within the inventory's bound: gold always; each item as far as room allows.
    /// Answers what was actually added (an item with no room is left on the corpse, i.e. not created).
    /// </summary>
    public static LootDrop AddLoot(ref List<ItemStack> inventory, ref long gold, LootDrop loot, GameDataCatalog data)
    {
        var added = new List<ItemStack>();
        var addedGold = Math.Min(loot.Gold, Math.Max(0, InventoryChanges.MaxGold - gold));
        gold += addedGold;
        foreach (var stack in loot.Items)
        {
            // One at a time is the simplest honest way to take as many as fit.
            var took = 0;
            for (var n = stack.Count; n > 0; n--)
            {
                if (InventoryChanges.TryApply(inventory, 0, new InventoryChange(stack.ItemId, n, 0), data, out var next, out _, out _))
                {
                    inventory = next;
                    took = n;
                    break;
                }
            }

            if (took > 0)
            {
                added.Add(new ItemStack(stack.ItemId, took));
            }
        }

        return new LootDrop(addedGold, added);
    }

    /// <summary>
    /// Checks an offer's shape against the game data: known, tradeable items with positive counts, each
    /// item once, at most <paramref name="maxStacks"/> entries, gold not negative.
    /// </summary>
    public static GameError Validate(TradeOffer offer, GameDataCatalog data, int maxStacks)
    {
        if (offer.Gold < 0 || offer.Gold > InventoryChanges.MaxGold || offer.Items.Count > maxStacks)
        {
            return GameError.ItemInvalid;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stack in offer.Items)
        {
            if (stack.Count <= 0 || !seen.Add(stack.ItemId) || !data.Items.TryGetValue(stack.ItemId, out var item))
            {
                return GameError.ItemInvalid;
            }

            if (!item.Tradeable)
            {
                return GameError.ItemNotTradeable;
            }
        }

        return GameError.None;
    }
}
