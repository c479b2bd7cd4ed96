using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

/// <summary>
/// Reads <c>zones.json</c>, <c>movement.json</c>, <c>items.json</c>, <c>progression.json</c>,
/// <c>creatures.json</c>, <c>loot.json</c> and <c>spawns.json</c> from the game data directory and
/// checks every field, and every reference between files. The first mistake throws a <see cref="GameDataException"/>
/// naming the file and the field (for example <c>zones.json, field zones[1].portals[0].targetZone</c>).
/// </summary>
public static class GameDataLoader
{
    public const string ZonesFileName = "zones.json";
    public const string MovementFileName = "movement.json";
    public const string ItemsFileName = "items.json";
    public const string WorldsFileName = "worlds.json";

    /// <summary>The one world of game data without a worlds.json.</summary>
    public const string SingleWorldId = "main";

    /// <summary>Most players one world can be configured for.</summary>
    public const int MaxWorldCapacity = 1_000_000;
    public const string ProgressionFileName = "progression.json";
    public const string CreaturesFileName = "creatures.json";
    public const string LootFileName = "loot.json";
    public const string SpawnsFileName = "spawns.json";

    /// <summary>Creatures one zone may hold: each costs memory and, near players, tick time.</summary>
    public const int MaxCreaturesPerZone = 20_000;

    /// <summary>Sizes beyond this are almost certainly a typo, and would make the interest grid huge.</summary>
    private const float MaxZoneSide = 100_000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A misspelt field is a mistake, not something to ignore.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The files game data is made of; worlds.json is optional (without it there is one world).</summary>
    public static readonly IReadOnlyList<string> FileNames =
        [ZonesFileName, MovementFileName, ItemsFileName, ProgressionFileName, CreaturesFileName, LootFileName, SpawnsFileName, WorldsFileName];

    public static GameDataCatalog Load(string directory) => Load(ReadFiles(directory));

    /// <summary>The texts of the game data files in <paramref name="directory"/>; a missing required file throws.</summary>
    public static Dictionary<string, string> ReadFiles(string directory)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in FileNames)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                files[name] = File.ReadAllText(path);
            }
            else if (name != WorldsFileName)
            {
                throw new GameDataException(name, "(file)", $"not found at {Path.GetFullPath(path)}");
            }
        }

        return files;
    }

    /// <summary>Checks the texts of the game data files (as <see cref="ReadFiles"/> returns them) and builds the catalog; the first mistake throws.</summary>
    public static GameDataCatalog Load(IReadOnlyDictionary<string, string> files)
    {
        var zonesFile = Parse<ZonesFile>(files, ZonesFileName);
        var movementFile = Parse<MovementFile>(files, MovementFileName);
        var itemsFile = Parse<ItemsFile>(files, ItemsFileName);
        // Optional: game data from before worlds existed has one world.
        var worldsFile = files.ContainsKey(WorldsFileName)
            ? Parse<WorldsFile>(files, WorldsFileName)
            : new WorldsFile { DefaultWorld = SingleWorldId, Worlds = [new WorldData { Id = SingleWorldId, Name = "Main", Capacity = 5000 }] };
        var (worlds, defaultWorld) = CheckWorlds(worldsFile);
        var progressionFile = Parse<ProgressionFile>(files, ProgressionFileName);
        var creaturesFile = Parse<CreaturesFile>(files, CreaturesFileName);
        var lootFile = Parse<LootFile>(files, LootFileName);
        var spawnsFile = Parse<SpawnsFile>(files, SpawnsFileName);

        var items = CheckItems(itemsFile);
        var startingItems = CheckStartingItems(itemsFile, items);
        var zones = CheckZones(zonesFile);
        var movement = CheckMovement(movementFile);
        var startingGold = itemsFile.StartingGold ?? 0;
        if (startingGold < 0)
        {
            throw new GameDataException(ItemsFileName, "startingGold", "must not be negative");
        }

        var progression = CheckProgression(progressionFile);
        var loot = CheckLoot(lootFile, items);
        var creatures = CheckCreatures(creaturesFile, loot, progression);
        var spawns = CheckSpawns(spawnsFile, zones, creatures);
        return new GameDataCatalog(zonesFile.StartZone!, zones, movement, items.Values, startingGold, startingItems,
            progression, creatures.Values, loot.Values, spawns, worlds, defaultWorld);
    }

    private static (List<WorldDefinition> Worlds, string DefaultWorld) CheckWorlds(WorldsFile file)
    {
        const string f = WorldsFileName;
        if (file.Worlds is not { Count: > 0 } worlds)
        {
            throw new GameDataException(f, "worlds", "at least one world is required");
        }

        var result = new List<WorldDefinition>(worlds.Count);
        for (var i = 0; i < worlds.Count; i++)
        {
            var world = worlds[i];
            if (!IsId(world.Id) || result.Any(w => w.Id == world.Id))
            {
                throw new GameDataException(f, $"worlds[{i}].id", "required, unique: 1-32 characters of a-z, 0-9 and '-'");
            }

            if (string.IsNullOrWhiteSpace(world.Name) || world.Name.Length > 64)
            {
                throw new GameDataException(f, $"worlds[{i}].name", "required, at most 64 characters");
            }

            if (world.Capacity is not (>= 1 and <= MaxWorldCapacity))
            {
                throw new GameDataException(f, $"worlds[{i}].capacity", $"required, from 1 to {MaxWorldCapacity}");
            }

            result.Add(new WorldDefinition(world.Id!, world.Name, world.Capacity.Value));
        }

        var defaultWorld = file.DefaultWorld ?? result[0].Id;
        if (result.All(w => w.Id != defaultWorld))
        {
            throw new GameDataException(f, "defaultWorld", $"must name one of the worlds ({string.Join(", ", result.Select(w => w.Id))})");
        }

        return (result, defaultWorld);
    }

    private static T Parse<T>(IReadOnlyDictionary<string, string> files, string fileName)
    {
        if (!files.TryGetValue(fileName, out var text))
        {
            throw new GameDataException(fileName, "(file)", "missing");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, Json)
                ?? throw new GameDataException(fileName, "(root)", "the file holds null");
        }
        catch (JsonException ex)
        {
            throw new GameDataException(fileName, ex.Path ?? "(unknown)", ex.Message);
        }
    }

    private static List<ZoneDefinition> CheckZones(ZonesFile file)
    {
        const string f = ZonesFileName;
        if (file.Zones is not { Count: > 0 } zones)
        {
            throw new GameDataException(f, "zones", "at least one zone is required");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < zones.Count; i++)
        {
            var id = zones[i].Id;
            if (!IsId(id))
            {
                throw new GameDataException(f, $"zones[{i}].id", "required: 1-32 characters of a-z, 0-9 and '-'");
            }

            if (!ids.Add(id!))
            {
                throw new GameDataException(f, $"zones[{i}].id", $"'{id}' is used by another zone");
            }
        }

        if (string.IsNullOrEmpty(file.StartZone) || !ids.Contains(file.StartZone))
        {
            throw new GameDataException(f, "startZone", $"must name one of the zones ({string.Join(", ", ids)})");
        }

        var result = new List<ZoneDefinition>(zones.Count);
        for (var i = 0; i < zones.Count; i++)
        {
            var zone = zones[i];
            var at = $"zones[{i}]";
            if (string.IsNullOrWhiteSpace(zone.Name))
            {
                throw new GameDataException(f, $"{at}.name", "required");
            }

            var width = Positive(zone.Width, f, $"{at}.width");
            var height = Positive(zone.Height, f, $"{at}.height");
            var bounds = new ZoneDefinition(zone.Id!, zone.Name, width, height, default, []);
            var spawn = PointIn(zone.Spawn, bounds, f, $"{at}.spawn");

            var portals = new List<PortalDefinition>();
            var portalIds = new HashSet<string>(StringComparer.Ordinal);
            for (var p = 0; p < (zone.Portals?.Count ?? 0); p++)
            {
                var portal = zone.Portals![p];
                var pat = $"{at}.portals[{p}]";
                if (!IsId(portal.Id) || !portalIds.Add(portal.Id!))
                {
                    throw new GameDataException(f, $"{pat}.id", "required, unique within the zone: 1-32 characters of a-z, 0-9 and '-'");
                }

                var min = PointIn(portal.Min, bounds, f, $"{pat}.min");
                var max = PointIn(portal.Max, bounds, f, $"{pat}.max");
                if (min.X > max.X || min.Y > max.Y)
                {
                    throw new GameDataException(f, $"{pat}.max", "must be north-east of min");
                }

                if (portal.TargetZone is null || !ids.Contains(portal.TargetZone) || portal.TargetZone == zone.Id)
                {
                    throw new GameDataException(f, $"{pat}.targetZone", $"must name another zone ({string.Join(", ", ids)})");
                }

                var target = zones.First(z => z.Id == portal.TargetZone);
                var targetBounds = new ZoneDefinition(target.Id!, "", Positive(target.Width, f, $"zones[{zones.IndexOf(target)}].width"),
                    Positive(target.Height, f, $"zones[{zones.IndexOf(target)}].height"), default, []);
                var arrival = PointIn(portal.TargetPosition, targetBounds, f, $"{pat}.targetPosition");
                portals.Add(new PortalDefinition(portal.Id!, min, max, portal.TargetZone, arrival));
            }

            Position? graveyard = zone.Graveyard is null ? null : PointIn(zone.Graveyard, bounds, f, $"{at}.graveyard");
            var definition = new ZoneDefinition(zone.Id!, zone.Name, width, height, spawn, portals, zone.Pvp ?? false, graveyard);
            if (graveyard is { } g && definition.PortalAt(g) is { } grave)
            {
                throw new GameDataException(f, $"{at}.graveyard", $"lies inside portal '{grave.Id}'");
            }

            if (definition.PortalAt(spawn) is { } trap)
            {
                throw new GameDataException(f, $"{at}.spawn", $"lies inside portal '{trap.Id}'");
            }

            result.Add(definition);
        }

        // A portal must not drop players straight into another portal: they would bounce forever.
        foreach (var zone in result)
        {
            foreach (var portal in zone.Portals)
            {
                var target = result.First(z => z.Id == portal.TargetZone);
                if (target.PortalAt(portal.TargetPosition) is { } other)
                {
                    var i = result.IndexOf(zone);
                    var p = zone.Portals.ToList().IndexOf(portal);
                    throw new GameDataException(f, $"zones[{i}].portals[{p}].targetPosition", $"lies inside portal '{other.Id}' of zone '{target.Id}'");
                }
            }
        }

        return result;
    }

    private static MovementRules CheckMovement(MovementFile file)
    {
        const string f = MovementFileName;
        var speed = Positive(file.MaxSpeed, f, "maxSpeed");
        var tolerance = file.SpeedTolerance ?? 1.0f;
        if (!float.IsFinite(tolerance) || tolerance < 1 || tolerance > 3)
        {
            throw new GameDataException(f, "speedTolerance", "must be between 1 and 3");
        }

        var step = file.MaxStepSeconds ?? 1.0f;
        if (!float.IsFinite(step) || step <= 0 || step > 10)
        {
            throw new GameDataException(f, "maxStepSeconds", "must be above 0 and at most 10");
        }

        return new MovementRules(speed, tolerance, TimeSpan.FromSeconds(step));
    }

    private static Dictionary<string, ItemDefinition> CheckItems(ItemsFile file)
    {
        const string f = ItemsFileName;
        var items = new Dictionary<string, ItemDefinition>(StringComparer.Ordinal);
        for (var i = 0; i < (file.Items?.Count ?? 0); i++)
        {
            var item = file.Items![i];
            if (!IsId(item.Id) || items.ContainsKey(item.Id!))
            {
                throw new GameDataException(f, $"items[{i}].id", "required, unique: 1-32 characters of a-z, 0-9 and '-'");
            }

            if (string.IsNullOrWhiteSpace(item.Name))
            {
                throw new GameDataException(f, $"items[{i}].name", "required");
            }

            if (item.MaxStack is not (>= 1 and <= 10_000))
            {
                throw new GameDataException(f, $"items[{i}].maxStack", "required, from 1 to 10000");
            }

            var effects = new List<ItemEffect>();
            for (var e = 0; e < (item.Effects?.Count ?? 0); e++)
            {
                var effect = item.Effects![e];
                if (effect.Type != ItemEffect.Heal)
                {
                    throw new GameDataException(f, $"items[{i}].effects[{e}].type", $"must be one of: {ItemEffect.Heal}");
                }

                if (effect.Amount is not (>= 1 and <= 1_000_000))
                {
                    throw new GameDataException(f, $"items[{i}].effects[{e}].amount", "required, from 1 to 1000000");
                }

                effects.Add(new ItemEffect(effect.Type, effect.Amount.Value));
            }

            items.Add(item.Id!, new ItemDefinition(item.Id!, item.Name, item.MaxStack.Value, item.Tradeable ?? true, effects));
        }

        return items;
    }

    private static List<ItemStack> CheckStartingItems(ItemsFile file, Dictionary<string, ItemDefinition> items)
    {
        var result = new List<ItemStack>();
        for (var i = 0; i < (file.StartingItems?.Count ?? 0); i++)
        {
            var stack = file.StartingItems![i];
            if (stack.ItemId is null || !items.TryGetValue(stack.ItemId, out var item))
            {
                throw new GameDataException(ItemsFileName, $"startingItems[{i}].itemId", "must name one of the items");
            }

            if (stack.Count is not { } count || count < 1 || count > item.MaxStack)
            {
                throw new GameDataException(ItemsFileName, $"startingItems[{i}].count", $"required, from 1 to the item's maxStack ({item.MaxStack})");
            }

            result.Add(new ItemStack(item.Id, count));
        }

        return result;
    }

    private static Progression CheckProgression(ProgressionFile file)
    {
        const string f = ProgressionFileName;
        var range = Between(file.Player?.AttackRange, 0.5f, 50, f, "player.attackRange");
        var cooldown = Between(file.Player?.AttackCooldownSeconds, 0.1f, 60, f, "player.attackCooldownSeconds");
        if (file.Levels is not { Count: >= 1 and <= 1000 } levels)
        {
            throw new GameDataException(f, "levels", "required: levels 1 to N (at most 1000), in order");
        }

        var result = new List<LevelDefinition>(levels.Count);
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            var at = $"levels[{i}]";
            if (level.Level != i + 1)
            {
                throw new GameDataException(f, $"{at}.level", $"must be {i + 1}: levels run from 1 without gaps");
            }

            var previous = i == 0 ? null : result[i - 1];
            if (level.Experience is not { } experience || (previous is null ? experience != 0 : experience <= previous.Experience))
            {
                throw new GameDataException(f, $"{at}.experience", previous is null
                    ? "must be 0: every character starts at level 1"
                    : $"required, more than level {i}'s ({previous.Experience})");
            }

            if (level.Health is not (>= 1 and <= 1_000_000))
            {
                throw new GameDataException(f, $"{at}.health", "required, from 1 to 1000000");
            }

            if (level.Damage is not (>= 0 and <= 1_000_000))
            {
                throw new GameDataException(f, $"{at}.damage", "required, from 0 to 1000000");
            }

            result.Add(new LevelDefinition(i + 1, experience, level.Health.Value, level.Damage.Value));
        }

        return new Progression(result, range, TimeSpan.FromSeconds(cooldown));
    }

    private static Dictionary<string, LootTable> CheckLoot(LootFile file, Dictionary<string, ItemDefinition> items)
    {
        const string f = LootFileName;
        var tables = new Dictionary<string, LootTable>(StringComparer.Ordinal);
        for (var i = 0; i < (file.Tables?.Count ?? 0); i++)
        {
            var table = file.Tables![i];
            var at = $"tables[{i}]";
            if (!IsId(table.Id) || tables.ContainsKey(table.Id!))
            {
                throw new GameDataException(f, $"{at}.id", "required, unique: 1-32 characters of a-z, 0-9 and '-'");
            }

            GoldDrop? gold = null;
            if (table.Gold is { } g)
            {
                var chance = Chance(g.Chance, f, $"{at}.gold.chance");
                if (g.Min is not (>= 0 and <= 1_000_000_000) || g.Max is not { } max || max < g.Min || max > 1_000_000_000)
                {
                    throw new GameDataException(f, $"{at}.gold", "min and max required, 0 <= min <= max <= 1000000000");
                }

                gold = new GoldDrop(g.Min.Value, max, chance);
            }

            var drops = new List<ItemDrop>();
            for (var d = 0; d < (table.Items?.Count ?? 0); d++)
            {
                var drop = table.Items![d];
                var dat = $"{at}.items[{d}]";
                if (drop.ItemId is null || !items.TryGetValue(drop.ItemId, out var item))
                {
                    throw new GameDataException(f, $"{dat}.itemId", "must name one of the items");
                }

                var chance = Chance(drop.Chance, f, $"{dat}.chance");
                if (drop.Min is not { } min || min < 1 || drop.Max is not { } max || max < min || max > item.MaxStack)
                {
                    throw new GameDataException(f, $"{dat}.max", $"min and max required, 1 <= min <= max <= the item's maxStack ({item.MaxStack})");
                }

                drops.Add(new ItemDrop(item.Id, chance, min, max));
            }

            tables.Add(table.Id!, new LootTable(table.Id!, gold, drops));
        }

        return tables;
    }

    private static Dictionary<string, CreatureTemplate> CheckCreatures(CreaturesFile file, Dictionary<string, LootTable> loot, Progression progression)
    {
        const string f = CreaturesFileName;
        var creatures = new Dictionary<string, CreatureTemplate>(StringComparer.Ordinal);
        for (var i = 0; i < (file.Creatures?.Count ?? 0); i++)
        {
            var c = file.Creatures![i];
            var at = $"creatures[{i}]";
            if (!IsId(c.Id) || creatures.ContainsKey(c.Id!))
            {
                throw new GameDataException(f, $"{at}.id", "required, unique: 1-32 characters of a-z, 0-9 and '-'");
            }

            if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 64)
            {
                throw new GameDataException(f, $"{at}.name", "required, at most 64 characters");
            }

            if (c.Level is not { } level || level < 1 || level > progression.MaxLevel)
            {
                throw new GameDataException(f, $"{at}.level", $"required, from 1 to the highest level in {ProgressionFileName} ({progression.MaxLevel})");
            }

            if (c.Health is not (>= 1 and <= 1_000_000))
            {
                throw new GameDataException(f, $"{at}.health", "required, from 1 to 1000000");
            }

            if (c.Damage is not (>= 0 and <= 1_000_000))
            {
                throw new GameDataException(f, $"{at}.damage", "required, from 0 to 1000000");
            }

            var attackRange = Between(c.AttackRange, 0.5f, 50, f, $"{at}.attackRange");
            var cooldown = Between(c.AttackCooldownSeconds, 0.1f, 60, f, $"{at}.attackCooldownSeconds");
            var speed = Between(c.Speed, 0.1f, 50, f, $"{at}.speed");
            var aggro = Between(c.AggroRadius ?? 0, 0, 100, f, $"{at}.aggroRadius");
            var leash = Between(c.LeashDistance, 1, 1000, f, $"{at}.leashDistance");
            if (leash < aggro)
            {
                throw new GameDataException(f, $"{at}.leashDistance", $"must be at least the aggroRadius ({aggro}), or the creature gives up at once");
            }

            var wander = Between(c.WanderRadius ?? 0, 0, 100, f, $"{at}.wanderRadius");
            var respawn = Between(c.RespawnSeconds, 1, 86_400, f, $"{at}.respawnSeconds");
            if (c.Experience is not (>= 0 and <= 1_000_000_000))
            {
                throw new GameDataException(f, $"{at}.experience", "required, from 0 to 1000000000");
            }

            if (c.Loot is not null && !loot.ContainsKey(c.Loot))
            {
                throw new GameDataException(f, $"{at}.loot", $"must name one of the loot tables in {LootFileName}, or be left out");
            }

            creatures.Add(c.Id!, new CreatureTemplate(c.Id!, c.Name, level, c.Health.Value, c.Damage.Value, attackRange, TimeSpan.FromSeconds(cooldown),
                speed, aggro, leash, wander, TimeSpan.FromSeconds(respawn), c.Experience.Value, c.Loot));
        }

        return creatures;
    }

    private static List<SpawnPoint> CheckSpawns(SpawnsFile file, List<ZoneDefinition> zones, Dictionary<string, CreatureTemplate> creatures)
    {
        const string f = SpawnsFileName;
        var result = new List<SpawnPoint>();
        var perZone = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (file.Spawns?.Count ?? 0); i++)
        {
            var spawn = file.Spawns![i];
            var at = $"spawns[{i}]";
            var zone = zones.FirstOrDefault(z => z.Id == spawn.Zone)
                ?? throw new GameDataException(f, $"{at}.zone", $"must name one of the zones ({string.Join(", ", zones.Select(z => z.Id))})");
            if (spawn.Creature is null || !creatures.TryGetValue(spawn.Creature, out var creature))
            {
                throw new GameDataException(f, $"{at}.creature", $"must name one of the creatures in {CreaturesFileName}");
            }

            var point = PointIn(spawn.At, zone, f, $"{at}.at");
            if (spawn.Count is not (>= 1 and <= 10_000) || (perZone[zone.Id] = perZone.GetValueOrDefault(zone.Id) + spawn.Count.Value) > MaxCreaturesPerZone)
            {
                throw new GameDataException(f, $"{at}.count", $"required, from 1 to 10000, and at most {MaxCreaturesPerZone} creatures in one zone");
            }

            var radius = Between(spawn.Radius ?? 0, 0, 1000, f, $"{at}.radius");
            result.Add(new SpawnPoint(zone.Id, creature, point, spawn.Count.Value, radius));
        }

        return result;
    }

    private static float Between(float? value, float min, float max, string file, string field)
    {
        if (value is not { } v || !float.IsFinite(v) || v < min || v > max)
        {
            throw new GameDataException(file, field, $"required, a number from {min} to {max}");
        }

        return v;
    }

    private static double Chance(double? value, string file, string field)
    {
        if (value is not { } v || !double.IsFinite(v) || v <= 0 || v > 1)
        {
            throw new GameDataException(file, field, "required, a chance above 0 and at most 1");
        }

        return v;
    }

    private static float Positive(float? value, string file, string field)
    {
        if (value is not { } v || !float.IsFinite(v) || v <= 0 || v > MaxZoneSide)
        {
            throw new GameDataException(file, field, $"required, a number above 0 and at most {MaxZoneSide}");
        }

        return v;
    }

    private static Position PointIn(PointData? point, ZoneDefinition zone, string file, string field)
    {
        if (point?.X is not { } x || point.Y is not { } y)
        {
            throw new GameDataException(file, field, "required: { \"x\": ..., \"y\": ... }");
        }

        var position = new Position(x, y);
        if (!position.IsFinite || !zone.Contains(position))
        {
            throw new GameDataException(file, field, $"({x}, {y}) lies outside zone '{zone.Id}' (0..{zone.Width} x 0..{zone.Height})");
        }

        return position;
    }

    private static bool IsId(string? id) =>
        id is { Length: >= 1 and <= 32 } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
