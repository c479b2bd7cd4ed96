namespace OrleansMmo.Grains.World;

/// <summary>
/// One zone: who is where, the area-of-interest grid and the tick that sends each player what
/// changed in its view, batched into one call per gateway. Key: the zone id from the game data.
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
}
