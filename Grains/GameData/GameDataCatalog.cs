using System.Collections.Frozen;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

/// <summary>
/// The static game data, loaded and checked once per silo at start (see <see cref="GameDataLoader"/>)
/// and read-only afterwards, so grains share it without locks.
/// </summary>
public sealed class GameDataCatalog
{
    public GameDataCatalog(
        string startZone,
        IEnumerable<ZoneDefinition> zones,
        MovementRules movement,
        IEnumerable<ItemDefinition> items,
        long startingGold,
        IReadOnlyList<ItemStack> startingItems,
        Progression progression,
        IEnumerable<CreatureTemplate> creatures,
        IEnumerable<LootTable> loot,
        IEnumerable<SpawnPoint> spawns)
    {
        StartZone = startZone;
        Zones = zones.ToFrozenDictionary(z => z.Id, StringComparer.Ordinal);
        Movement = movement;
        Items = items.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal);
        StartingGold = startingGold;
        StartingItems = startingItems;
        Progression = progression;
        Creatures = creatures.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
        Loot = loot.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal);
        var spawnList = spawns.ToList();
        Spawns = Zones.Keys.ToFrozenDictionary(
            z => z, z => (IReadOnlyList<SpawnPoint>)[.. spawnList.Where(s => s.ZoneId == z)], StringComparer.Ordinal);
    }

    public string StartZone { get; }

    public FrozenDictionary<string, ZoneDefinition> Zones { get; }

    public MovementRules Movement { get; }

    public FrozenDictionary<string, ItemDefinition> Items { get; }

    public long StartingGold { get; }

    public IReadOnlyList<ItemStack> StartingItems { get; }

    /// <summary>The experience curve and player combat (progression.json).</summary>
    public Progression Progression { get; }

    /// <summary>Creature templates by id (creatures.json).</summary>
    public FrozenDictionary<string, CreatureTemplate> Creatures { get; }

    /// <summary>Loot tables by id (loot.json).</summary>
    public FrozenDictionary<string, LootTable> Loot { get; }

    /// <summary>Spawn points of each zone (spawns.json); every zone has a list, maybe empty.</summary>
    public FrozenDictionary<string, IReadOnlyList<SpawnPoint>> Spawns { get; }

    public ZoneDefinition Zone(string zoneId) =>
        Zones.TryGetValue(zoneId, out var zone) ? zone : throw new KeyNotFoundException($"No zone '{zoneId}' in the game data.");
}
