namespace OrleansMmo.Grains.World;

/// <summary>
/// One zone: who is where, its creatures, combat, and the tick that sends each player what changed
/// in its view, batched into one call per gateway. Key: the zone id from the game data. Holds no
/// stored state: players re-enter from their own state after a failover, creatures spawn afresh.
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
}
