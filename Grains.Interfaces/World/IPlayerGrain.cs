namespace OrleansMmo.Grains.World;

/// <summary>
/// One character in the world, authoritative for it: level, gold, inventory, zone and position.
/// Key: the character id. Only the account grain attaches a session (after checking the
/// character belongs to the account); every other call must carry that session's id.
/// </summary>
[Alias("mmo.IPlayerGrain")]
public interface IPlayerGrain : IGrainWithGuidKey
{
    /// <summary>Binds the character to a connection and puts it in its zone; replaces any earlier session.</summary>
    [Alias("Attach")]
    Task<Result<PlayerAttachment>> Attach(PlayerSession session, Accounts.CharacterSummary character);

    /// <summary>Takes the character out of the world if <paramref name="sessionId"/> still owns it.</summary>
    [Alias("Detach")]
    Task Detach(Guid sessionId);

    [Alias("Move")]
    Task<Result<MoveOutcome>> Move(Guid sessionId, Position position);

    [Alias("GetInfo")]
    Task<Result<PlayerSnapshot>> GetInfo(Guid sessionId);

    /// <summary>Attacks an entity of the character's zone; a kill gives experience (levels written through) and loot (written through).</summary>
    [Alias("Attack")]
    Task<Result<AttackOutcome>> Attack(Guid sessionId, uint targetEntityId);

    /// <summary>A dead character rises at its zone's graveyard.</summary>
    [Alias("Respawn")]
    Task<Result<RespawnOutcome>> Respawn(Guid sessionId);

    [Alias("Chat")]
    Task<Result> Chat(Guid sessionId, ChatChannel channel, string text, string toName);

    /// <summary>Pushes a whisper to this character's connection; <see cref="GameError.PlayerOffline"/> if it has none.</summary>
    /// <remarks>Interleaves: two players whispering to each other at once must not wait on each other's turn.</remarks>
    [Alias("ReceiveWhisper"), Orleans.Concurrency.AlwaysInterleave]
    Task<Result> ReceiveWhisper(ChatLine line);

    /// <summary>Forgets the character's world state (the character was deleted).</summary>
    [Alias("Delete")]
    Task Delete();
}
