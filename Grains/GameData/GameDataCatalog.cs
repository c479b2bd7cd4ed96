using System.Collections.Frozen;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

/// <summary>
/// The game data of this silo, loaded and checked at start (see <see cref="GameDataLoader"/>). Grains
/// share one instance without locks: everything it holds is immutable, and a live reload
/// (<see cref="Replace"/>) swaps all of it at once for data already checked, so a reader sees either the
/// old data or the new, never a mixture within one property. <see cref="Version"/> tells a grain that
/// remembers something derived from the data (a zone its definition) that it changed.
/// </summary>
public sealed class GameDataCatalog
{
    private Data _data;
    private TaskCompletionSource _replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        IEnumerable<SpawnPoint> spawns,
        IEnumerable<WorldDefinition>? worlds = null,
        string? defaultWorld = null)
    {
        var worldList = worlds?.ToList() ?? [new WorldDefinition(GameDataLoader.SingleWorldId, "Main", 5000)];
        var zoneMap = zones.ToFrozenDictionary(z => z.Id, StringComparer.Ordinal);
        var spawnList = spawns.ToList();
        _data = new Data(
            startZone,
            worldList,
            worldList.ToFrozenDictionary(w => w.Id, StringComparer.Ordinal),
            defaultWorld ?? worldList[0].Id,
            zoneMap,
            movement,
            items.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal),
            startingGold,
            startingItems,
            progression,
            creatures.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal),
            loot.ToFrozenDictionary(l => l.Id, StringComparer.Ordinal),
            zoneMap.Keys.ToFrozenDictionary(
                z => z, z => (IReadOnlyList<SpawnPoint>)[.. spawnList.Where(s => s.ZoneId == z)], StringComparer.Ordinal),
            Version: 0);
    }

    /// <summary>0 for the data the silo started with; higher after each live reload applied here.</summary>
    public long Version => Current.Version;

    public string StartZone => Current.StartZone;

    /// <summary>The worlds, in the order of worlds.json (the order clients list them in).</summary>
    public IReadOnlyList<WorldDefinition> WorldList => Current.WorldList;

    public FrozenDictionary<string, WorldDefinition> Worlds => Current.Worlds;

    /// <summary>The world of characters made before worlds existed (their stored world id is empty).</summary>
    public string DefaultWorld => Current.DefaultWorld;

    public FrozenDictionary<string, ZoneDefinition> Zones => Current.Zones;

    public MovementRules Movement => Current.Movement;

    public FrozenDictionary<string, ItemDefinition> Items => Current.Items;

    public long StartingGold => Current.StartingGold;

    public IReadOnlyList<ItemStack> StartingItems => Current.StartingItems;

    /// <summary>The experience curve and player combat (progression.json).</summary>
    public Progression Progression => Current.Progression;

    /// <summary>Creature templates by id (creatures.json).</summary>
    public FrozenDictionary<string, CreatureTemplate> Creatures => Current.Creatures;

    /// <summary>Loot tables by id (loot.json).</summary>
    public FrozenDictionary<string, LootTable> Loot => Current.Loot;

    /// <summary>Spawn points of each zone (spawns.json); every zone has a list, maybe empty.</summary>
    public FrozenDictionary<string, IReadOnlyList<SpawnPoint>> Spawns => Current.Spawns;

    private Data Current => Volatile.Read(ref _data);

    /// <summary>The world id a stored one stands for: empty is the default world.</summary>
    public string WorldOf(string? storedWorldId) => string.IsNullOrEmpty(storedWorldId) ? DefaultWorld : storedWorldId;

    public ZoneDefinition Zone(string zoneId) =>
        Zones.TryGetValue(zoneId, out var zone) ? zone : throw new KeyNotFoundException($"No zone '{zoneId}' in the game data.");

    /// <summary>Takes on everything <paramref name="loaded"/> holds (checked by the loader), as version <paramref name="version"/>.</summary>
    public void Replace(GameDataCatalog loaded, long version)
    {
        Volatile.Write(ref _data, loaded.Current with { Version = version });
        Interlocked.Exchange(ref _replaced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Waits until this silo runs <paramref name="version"/> or later: a grain told of a reload by a grain on a
    /// silo that applied it first. False after <paramref name="timeout"/> (this silo refused the release, or
    /// has not polled yet): the caller then goes on with the data it has.
    /// </summary>
    public async Task<bool> WhenAtLeastAsync(long version, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // The signal is read before the version: a replace in between completes this very signal.
            var replaced = Volatile.Read(ref _replaced).Task;
            if (Version >= version)
            {
                return true;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await replaced.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                return Version >= version;
            }
        }
    }

    private sealed record Data(
        string StartZone,
        IReadOnlyList<WorldDefinition> WorldList,
        FrozenDictionary<string, WorldDefinition> Worlds,
        string DefaultWorld,
        FrozenDictionary<string, ZoneDefinition> Zones,
        MovementRules Movement,
        FrozenDictionary<string, ItemDefinition> Items,
        long StartingGold,
        IReadOnlyList<ItemStack> StartingItems,
        Progression Progression,
        FrozenDictionary<string, CreatureTemplate> Creatures,
        FrozenDictionary<string, LootTable> Loot,
        FrozenDictionary<string, IReadOnlyList<SpawnPoint>> Spawns,
        long Version);
}
