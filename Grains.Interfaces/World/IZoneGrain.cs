namespace OrleansMmo.Grains.World;

/// <summary>
/// One zone of one world: who is where, its creatures, combat, and the tick that sends each player what
/// changed in its view, batched into one call per gateway. Key: <see cref="ZoneKeys.Of"/> (<c>world/zone</c>).
/// Holds no stored state: players re-enter from their own state after a failover, creatures spawn afresh.
/// </summary>
[Alias("mmo.IZoneGrain")]
public interface IZoneGrain : IGrainWithStringKey
{
    /// <summary>Adds the character (or updates its session and position if present); returns its entity id.</summary>
    [Alias("Enter")]
    Task<uint> Enter(ZoneMember member);

    /// <summary>Takes the character out; says what health it leaves with (and whether it lay dead).</summary>
    [Alias("Leave")]
    Task<ZoneExit> Leave(Guid characterId);

    /// <summary>Records a validated position, unless the character is dead or not in this zone (it should enter again).</summary>
    [Alias("Move")]
    Task<ZoneMoveResult> Move(Guid characterId, Position position);

    /// <summary>The character attacks an entity of this zone, checked by the zone (see <see cref="AttackRefusal"/>).</summary>
    [Alias("Attack")]
    Task<ZoneAttackResult> Attack(Guid characterId, uint targetEntityId);

    /// <summary>A dead character rises at the zone's graveyard with full health.</summary>
    [Alias("Respawn")]
    Task<ZoneRespawnResult> Respawn(Guid characterId);

    /// <summary>The character reached a new level: its health and damage follow, and those who see it are told.</summary>
    [Alias("SetLevel")]
    Task SetLevel(Guid characterId, int level);

    /// <summary>Delivers a chat line: Say to the speaker and those who see it, Zone to everyone here. False if the speaker is not here.</summary>
    [Alias("Chat")]
    Task<bool> Chat(ChatLine line);

    /// <summary>Who is where right now, for the operators' live map.</summary>
    [Alias("Snapshot"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<ZoneSnapshot> Snapshot();

    /// <summary>Answers how many characters are here: the world's health probe.</summary>
    [Alias("Probe"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<int> Probe();
}

/// <summary>A zone's entities at one tick, as the operators' live map draws them.</summary>
[GenerateSerializer, Alias("mmo.ZoneSnapshot")]
public sealed record ZoneSnapshot(
    [property: Id(0)] string ZoneId,
    [property: Id(1)] long Tick,
    [property: Id(2)] IReadOnlyList<MapEntity> Entities);

/// <summary>One entity on the live map: a player (with its character) or a creature (named by its template).</summary>
[GenerateSerializer, Alias("mmo.MapEntity")]
public sealed record MapEntity(
    [property: Id(0)] uint EntityId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Name,
    [property: Id(3)] Guid CharacterId,
    [property: Id(4)] float X,
    [property: Id(5)] float Y,
    [property: Id(6)] bool Dead);

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
