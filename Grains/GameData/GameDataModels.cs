using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

// The shapes of the files under GameData/. Designers edit the JSON; GameDataLoader checks every
// field and names the file and field of the first mistake.

public sealed class PointData
{
    public float? X { get; set; }
    public float? Y { get; set; }
}

public sealed class PortalData
{
    public string? Id { get; set; }
    public PointData? Min { get; set; }
    public PointData? Max { get; set; }
    public string? TargetZone { get; set; }
    public PointData? TargetPosition { get; set; }
}

public sealed class ZoneData
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public float? Width { get; set; }
    public float? Height { get; set; }
    public PointData? Spawn { get; set; }
    public List<PortalData>? Portals { get; set; }
    public bool? Pvp { get; set; }
    public PointData? Graveyard { get; set; }
}

public sealed class ZonesFile
{
    public string? StartZone { get; set; }
    public List<ZoneData>? Zones { get; set; }
}

public sealed class MovementFile
{
    public float? MaxSpeed { get; set; }
    public float? SpeedTolerance { get; set; }
    public float? MaxStepSeconds { get; set; }
}

public sealed class ItemData
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public int? MaxStack { get; set; }
    public bool? Tradeable { get; set; }
    public List<ItemEffectData>? Effects { get; set; }
}

public sealed class ItemStackData
{
    public string? ItemId { get; set; }
    public int? Count { get; set; }
}

public sealed class ItemsFile
{
    public List<ItemData>? Items { get; set; }
    public long? StartingGold { get; set; }
    public List<ItemStackData>? StartingItems { get; set; }
}

public sealed class WorldData
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public int? Capacity { get; set; }
}

public sealed class WorldsFile
{
    public string? DefaultWorld { get; set; }
    public List<WorldData>? Worlds { get; set; }
}

/// <summary>A world (realm) as the game uses it, checked: its own instances of every zone, its own characters, its capacity.</summary>
public sealed record WorldDefinition(string Id, string Name, int Capacity);

/// <summary>A zone as the game uses it, checked. Players may fight each other where <paramref name="Pvp"/>; the dead rise at <paramref name="Graveyard"/>.</summary>
public sealed record ZoneDefinition(string Id, string Name, float Width, float Height, Position Spawn, IReadOnlyList<PortalDefinition> Portals,
    bool Pvp = false, Position? Graveyard = null)
{
    /// <summary>Where a dead player comes back to life: the graveyard, or the spawn if the zone has none.</summary>
    public Position RespawnPoint => Graveyard ?? Spawn;

    public bool Contains(Position p) => p.X >= 0 && p.Y >= 0 && p.X <= Width && p.Y <= Height;

    /// <summary>The first portal whose rectangle holds <paramref name="p"/>, if any.</summary>
    public PortalDefinition? PortalAt(Position p)
    {
        foreach (var portal in Portals)
        {
            if (p.X >= portal.Min.X && p.X <= portal.Max.X && p.Y >= portal.Min.Y && p.Y <= portal.Max.Y)
            {
                return portal;
            }
        }

        return null;
    }
}

public sealed record PortalDefinition(string Id, Position Min, Position Max, string TargetZone, Position TargetPosition);

public sealed record MovementRules(float MaxSpeed, float SpeedTolerance, TimeSpan MaxStep);

/// <summary>An item type: how many fit in one stack, whether it may change hands, what using it does.</summary>
public sealed record ItemDefinition(string Id, string Name, int MaxStack, bool Tradeable = true, IReadOnlyList<ItemEffect>? Effects = null);
