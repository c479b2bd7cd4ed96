using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World;

/// <summary>
/// What a kill drops (it goes into the killer's inventory through <see cref="Goods.AddLoot"/>).
/// Plain C#; the random source is passed in.
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
}
