namespace OrleansMmo.Grains.World;

/// <summary>A character's stored world state. Ids are forever: add fields, never renumber.</summary>
[GenerateSerializer, Alias("mmo.PlayerState")]
public sealed class PlayerState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public int Level { get; set; } = 1;
    [Id(2)] public long Experience { get; set; }
    [Id(3)] public long Gold { get; set; }
    [Id(4)] public List<ItemStack> Inventory { get; set; } = [];
    /// <summary>Empty until the character first enters the world.</summary>
    [Id(5)] public string ZoneId { get; set; } = "";
    [Id(6)] public Position Position { get; set; }
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Chat is refused until then (an operator's mute); null when not muted.</summary>
    [Id(8)] public DateTimeOffset? MutedUntil { get; set; }
    /// <summary>The owning account's grain key, learnt at every attach: lets operators go from a character to its account.</summary>
    [Id(9)] public string AccountKey { get; set; } = "";
    /// <summary>The world the character belongs to; empty for characters made before worlds existed (the default world).</summary>
    [Id(10)] public string WorldId { get; set; } = "";
}
