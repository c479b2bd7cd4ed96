namespace OrleansMmo.Grains.World;

/// <summary>
/// One zone of one world: who is where, the area-of-interest grid and the tick that sends each player what
/// changed in its view, batched into one call per gateway. Key: <see cref="ZoneKeys.Of"/> (<c>world/zone</c>).
/// Holds no stored state: players re-enter from their own state after a failover.
/// </summary>
[Alias("mmo.IZoneGrain")]
public interface IZoneGrain : IGrainWithStringKey
{
    /// <summary>Adds the character (or updates its session and position if present); returns its entity id.</summary>
    [Alias("Enter")]
    Task<uint> Enter(ZoneMember member);

    [Alias("Leave")]
    Task Leave(Guid characterId);

    /// <summary>Records a validated position; false if the character is not in this zone (it should enter again).</summary>
    [Alias("Move")]
    Task<bool> Move(Guid characterId, Position position);

    /// <summary>Delivers a chat line: Say to the speaker and those who see it, Zone to everyone here. False if the speaker is not here.</summary>
    [Alias("Chat")]
    Task<bool> Chat(ChatLine line);

    /// <summary>Answers how many characters are here: the world's health probe.</summary>
    [Alias("Probe"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<int> Probe();
}

/// <summary>Zone grain keys: each world has its own instance of every zone, keyed <c>world/zone</c>.</summary>
public static class ZoneKeys
{
    public static string Of(string worldId, string zoneId) => worldId + "/" + zoneId;

    /// <summary>The world and zone of a key; a key without a world (from before worlds) is <paramref name="defaultWorld"/>'s.</summary>
    public static (string WorldId, string ZoneId) Parse(string key, string defaultWorld)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (defaultWorld, key) : (key[..slash], key[(slash + 1)..]);
    }
}
