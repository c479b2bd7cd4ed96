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
        IEnumerable<WorldDefinition>? worlds = null,
        string? defaultWorld = null)
    {
        var worldList = worlds?.ToList() ?? [new WorldDefinition(GameDataLoader.SingleWorldId, "Main", 5000)];
        WorldList = worldList;
        Worlds = worldList.ToFrozenDictionary(w => w.Id, StringComparer.Ordinal);
        DefaultWorld = defaultWorld ?? worldList[0].Id;
        StartZone = startZone;
        Zones = zones.ToFrozenDictionary(z => z.Id, StringComparer.Ordinal);
        Movement = movement;
        Items = items.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal);
        StartingGold = startingGold;
        StartingItems = startingItems;
    }

    public string StartZone { get; }

    /// <summary>The worlds, in the order of worlds.json (the order clients list them in).</summary>
    public IReadOnlyList<WorldDefinition> WorldList { get; }

    public FrozenDictionary<string, WorldDefinition> Worlds { get; }

    /// <summary>The world of characters made before worlds existed (their stored world id is empty).</summary>
    public string DefaultWorld { get; }

    /// <summary>The world id a stored one stands for: empty is the default world.</summary>
    public string WorldOf(string? storedWorldId) => string.IsNullOrEmpty(storedWorldId) ? DefaultWorld : storedWorldId;

    public FrozenDictionary<string, ZoneDefinition> Zones { get; }

    public MovementRules Movement { get; }

    public FrozenDictionary<string, ItemDefinition> Items { get; }

    public long StartingGold { get; }

    public IReadOnlyList<ItemStack> StartingItems { get; }

    public ZoneDefinition Zone(string zoneId) =>
        Zones.TryGetValue(zoneId, out var zone) ? zone : throw new KeyNotFoundException($"No zone '{zoneId}' in the game data.");
}
