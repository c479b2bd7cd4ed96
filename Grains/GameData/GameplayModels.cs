using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

// The shapes of the gameplay files under GameData/ (progression.json, creatures.json, loot.json,
// spawns.json), then the checked definitions the game uses. GameDataLoader checks every field.

public sealed class PlayerCombatData
{
    public float? AttackRange { get; set; }
    public float? AttackCooldownSeconds { get; set; }
}

public sealed class LevelData
{
    public int? Level { get; set; }
    public long? Experience { get; set; }
    public int? Health { get; set; }
    public int? Damage { get; set; }
}

public sealed class ProgressionFile
{
    public PlayerCombatData? Player { get; set; }
    public List<LevelData>? Levels { get; set; }
}

public sealed class CreatureData
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public int? Level { get; set; }
    public int? Health { get; set; }
    public int? Damage { get; set; }
    public float? AttackRange { get; set; }
    public float? AttackCooldownSeconds { get; set; }
    public float? Speed { get; set; }
    public float? AggroRadius { get; set; }
    public float? LeashDistance { get; set; }
    public float? WanderRadius { get; set; }
    public float? RespawnSeconds { get; set; }
    public long? Experience { get; set; }
    public string? Loot { get; set; }
}

public sealed class CreaturesFile
{
    public List<CreatureData>? Creatures { get; set; }
}

public sealed class GoldDropData
{
    public long? Min { get; set; }
    public long? Max { get; set; }
    public double? Chance { get; set; }
}

public sealed class ItemDropData
{
    public string? ItemId { get; set; }
    public double? Chance { get; set; }
    public int? Min { get; set; }
    public int? Max { get; set; }
}

public sealed class LootTableData
{
    public string? Id { get; set; }
    public GoldDropData? Gold { get; set; }
    public List<ItemDropData>? Items { get; set; }
}

public sealed class LootFile
{
    public List<LootTableData>? Tables { get; set; }
}

public sealed class SpawnData
{
    public string? Zone { get; set; }
    public string? Creature { get; set; }
    public PointData? At { get; set; }
    public int? Count { get; set; }
    public float? Radius { get; set; }
}

public sealed class SpawnsFile
{
    public List<SpawnData>? Spawns { get; set; }
}

public sealed class ItemEffectData
{
    public string? Type { get; set; }
    public int? Amount { get; set; }
}

/// <summary>What one level gives: reached at <paramref name="Experience"/> (total), with this health and damage.</summary>
public sealed record LevelDefinition(int Level, long Experience, int Health, int Damage);

/// <summary>The experience curve and how players fight.</summary>
public sealed record Progression(IReadOnlyList<LevelDefinition> Levels, float AttackRange, TimeSpan AttackCooldown)
{
    public int MaxLevel => Levels.Count;

    /// <summary>The level a total of <paramref name="experience"/> reaches (the highest level at most).</summary>
    public int LevelFor(long experience)
    {
        var level = 1;
        foreach (var definition in Levels)
        {
            if (experience >= definition.Experience)
            {
                level = definition.Level;
            }
        }

        return level;
    }

    /// <summary>Health and damage at a level; levels beyond the curve count as its last.</summary>
    public LevelDefinition Stats(int level) => Levels[Math.Clamp(level, 1, Levels.Count) - 1];
}

/// <summary>A kind of creature, as designers describe it.</summary>
public sealed record CreatureTemplate(
    string Id,
    string Name,
    int Level,
    int Health,
    int Damage,
    float AttackRange,
    TimeSpan AttackCooldown,
    float Speed,
    float AggroRadius,
    float LeashDistance,
    float WanderRadius,
    TimeSpan Respawn,
    long Experience,
    string? LootTable);

/// <summary><paramref name="Count"/> creatures of one template placed around <paramref name="At"/> in a zone.</summary>
public sealed record SpawnPoint(string ZoneId, CreatureTemplate Creature, Position At, int Count, float Radius);

public sealed record GoldDrop(long Min, long Max, double Chance);

public sealed record ItemDrop(string ItemId, double Chance, int Min, int Max);

/// <summary>What a kill may drop: gold and items, each with its chance (0-1) and a count range.</summary>
public sealed record LootTable(string Id, GoldDrop? Gold, IReadOnlyList<ItemDrop> Items);

/// <summary>What using an item does. Types: <c>heal</c> (restores <paramref name="Amount"/> health).</summary>
public sealed record ItemEffect(string Type, int Amount)
{
    public const string Heal = "heal";
}
