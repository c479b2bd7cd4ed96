using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World;

/// <summary>
/// What a kill drops, and how it goes into an inventory: the simplest honest version, which the
/// items issue refines (inventory size, stacks full). Plain C#; the random source is passed in.
/// </summary>
public static class Loot
{
    /// <summary>Rolls the creature's loot table; null when it has none or nothing dropped.</summary>
    public static LootDrop? Roll(CreatureTemplate creature, GameDataCatalog gameData, Random random)
    {
        if (creature.LootTable is null || !gameData.Loot.TryGetValue(creature.LootTable, out var table))
        {
            return null;
        }

        long gold = 0;
        if (table.Gold is { } g && random.NextDouble() < g.Chance)
        {
            gold = random.NextInt64(g.Min, g.Max + 1);
        }

        var items = new List<ItemStack>();
        foreach (var drop in table.Items)
        {
            if (random.NextDouble() < drop.Chance)
            {
                items.Add(new ItemStack(drop.ItemId, random.Next(drop.Min, drop.Max + 1)));
            }
        }

        return gold == 0 && items.Count == 0 ? null : new LootDrop(gold, items);
    }

    /// <summary>Adds the loot: gold, and items topping up stacks of the same item before new stacks (each at most its maxStack).</summary>
    public static void AddTo(PlayerState state, LootDrop loot, GameDataCatalog gameData)
    {
        state.Gold += loot.Gold;
        foreach (var stack in loot.Items)
        {
            var maxStack = gameData.Items.TryGetValue(stack.ItemId, out var item) ? item.MaxStack : 1;
            var left = stack.Count;
            for (var i = 0; i < state.Inventory.Count && left > 0; i++)
            {
                var held = state.Inventory[i];
                if (held.ItemId == stack.ItemId && held.Count < maxStack)
                {
                    var added = Math.Min(left, maxStack - held.Count);
                    state.Inventory[i] = held with { Count = held.Count + added };
                    left -= added;
                }
            }

            while (left > 0)
            {
                var count = Math.Min(left, maxStack);
                state.Inventory.Add(new ItemStack(stack.ItemId, count));
                left -= count;
            }
        }
    }
}
