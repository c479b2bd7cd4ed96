using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Grains.World;

/// <summary>
/// Applies an <see cref="InventoryChange"/> to an inventory and a purse, all or nothing: an unknown
/// item, taking more than there is, a purse below zero or an inventory past its bound refuses the
/// whole change. Items are stacks of at most the item's <c>maxStack</c>.
/// </summary>
public static class InventoryChanges
{
    /// <summary>Stacks one character may hold: bounds the state written with every change.</summary>
    public const int MaxStacks = 200;

    /// <summary>Most gold one character may hold.</summary>
    public const long MaxGold = 1_000_000_000_000;

    public static bool TryApply(
        IReadOnlyList<ItemStack> inventory, long gold, InventoryChange change, GameDataCatalog data,
        out List<ItemStack> newInventory, out long newGold, out string problem)
    {
        newInventory = [.. inventory];
        newGold = gold;
        problem = "";
        if (change.Gold != 0)
        {
            if (change.Gold < 0 && gold + change.Gold < 0)
            {
                problem = $"it has {gold} gold, cannot take {-change.Gold}";
                return false;
            }

            if (change.Gold > 0 && gold > MaxGold - change.Gold)
            {
                problem = $"a character holds at most {MaxGold} gold";
                return false;
            }

            newGold = gold + change.Gold;
        }

        if (string.IsNullOrEmpty(change.ItemId))
        {
            if (change.Count != 0)
            {
                problem = "a count needs an item";
                return false;
            }

            return change.Gold != 0 || Fail(out problem, "nothing to change: give an item and count, or gold");
        }

        if (!data.Items.TryGetValue(change.ItemId, out var item))
        {
            problem = $"no item '{change.ItemId}' in the game data";
            return false;
        }

        if (change.Count == 0)
        {
            problem = "the count must not be 0";
            return false;
        }

        return change.Count > 0
            ? TryAdd(newInventory, item, change.Count, out problem)
            : TryTake(newInventory, item, -change.Count, out problem);
    }

    private static bool TryAdd(List<ItemStack> inventory, ItemDefinition item, int count, out string problem)
    {
        problem = "";
        var left = count;
        for (var i = 0; i < inventory.Count && left > 0; i++)
        {
            if (inventory[i].ItemId == item.Id && inventory[i].Count < item.MaxStack)
            {
                var added = Math.Min(left, item.MaxStack - inventory[i].Count);
                inventory[i] = inventory[i] with { Count = inventory[i].Count + added };
                left -= added;
            }
        }

        while (left > 0)
        {
            if (inventory.Count >= MaxStacks)
            {
                return Fail(out problem, $"the inventory holds at most {MaxStacks} stacks");
            }

            var stack = Math.Min(left, item.MaxStack);
            inventory.Add(new ItemStack(item.Id, stack));
            left -= stack;
        }

        return true;
    }

    private static bool TryTake(List<ItemStack> inventory, ItemDefinition item, int count, out string problem)
    {
        problem = "";
        var held = inventory.Where(s => s.ItemId == item.Id).Sum(s => (long)s.Count);
        if (held < count)
        {
            return Fail(out problem, $"it holds {held} of '{item.Id}', cannot take {count}");
        }

        var left = count;
        // The last stacks first: a partly used stack is usually the newest.
        for (var i = inventory.Count - 1; i >= 0 && left > 0; i--)
        {
            if (inventory[i].ItemId != item.Id)
            {
                continue;
            }

            var taken = Math.Min(left, inventory[i].Count);
            left -= taken;
            if (taken == inventory[i].Count)
            {
                inventory.RemoveAt(i);
            }
            else
            {
                inventory[i] = inventory[i] with { Count = inventory[i].Count - taken };
            }
        }

        return true;
    }

    private static bool Fail(out string problem, string text)
    {
        problem = text;
        return false;
    }
}
