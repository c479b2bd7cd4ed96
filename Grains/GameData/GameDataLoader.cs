using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

/// <summary>
/// Reads <c>zones.json</c>, <c>movement.json</c> and <c>items.json</c> from the game data
/// directory and checks every field. The first mistake throws a <see cref="GameDataException"/>
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
    public static readonly IReadOnlyList<string> FileNames = [ZonesFileName, MovementFileName, ItemsFileName, WorldsFileName];

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

        var items = CheckItems(itemsFile);
        var startingItems = CheckStartingItems(itemsFile, items);
        var zones = CheckZones(zonesFile);
        var movement = CheckMovement(movementFile);
        var startingGold = itemsFile.StartingGold ?? 0;
        if (startingGold < 0)
        {
            throw new GameDataException(ItemsFileName, "startingGold", "must not be negative");
        }

        return new GameDataCatalog(zonesFile.StartZone!, zones, movement, items.Values, startingGold, startingItems, worlds, defaultWorld);
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

            var definition = new ZoneDefinition(zone.Id!, zone.Name, width, height, spawn, portals);
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

            items.Add(item.Id!, new ItemDefinition(item.Id!, item.Name, item.MaxStack.Value));
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
