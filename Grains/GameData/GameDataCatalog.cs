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
        IReadOnlyList<ItemStack> startingItems)
    {
        StartZone = startZone;
        Zones = zones.ToFrozenDictionary(z => z.Id, StringComparer.Ordinal);
        Movement = movement;
        Items = items.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal);
        StartingGold = startingGold;
        StartingItems = startingItems;
    }

    public string StartZone { get; }

    public FrozenDictionary<string, ZoneDefinition> Zones { get; }

    public MovementRules Movement { get; }

    public FrozenDictionary<string, ItemDefinition> Items { get; }

    public long StartingGold { get; }

    public IReadOnlyList<ItemStack> StartingItems { get; }

    public ZoneDefinition Zone(string zoneId) =>
        Zones.TryGetValue(zoneId, out var zone) ? zone : throw new KeyNotFoundException($"No zone '{zoneId}' in the game data.");
}
