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

    // Operator side: called by the operator grain only, which checks roles and writes the audit log.

    /// <summary>The character as an operator sees it; null if it never entered the world (no state yet).</summary>
    [Alias("GetAdminView"), Orleans.Concurrency.ReadOnly]
    Task<Operations.CharacterView?> GetAdminView();

    /// <summary>Refuses the character's chat until <paramref name="until"/> (null lifts it). Written through.</summary>
    [Alias("SetMute")]
    Task<bool> SetMute(DateTimeOffset? until);

    /// <summary>Moves the character to a zone and position of its world; the client hears it as a Teleported push.</summary>
    [Alias("Teleport")]
    Task<Operations.OperatorResult<Operations.CharacterView>> Teleport(string zoneId, Position position);

    /// <summary>
    /// The game data was reloaded and the character's zone changed (or is gone): tell the client the new map
    /// (a Teleported push inside the new bounds), or move the character to the start zone. <paramref name="version"/>
    /// is the game data version the caller runs: this grain's silo may apply it a moment later, and is waited for.
    /// </summary>
    [Alias("RefreshZone")]
    Task RefreshZone(long version);

    /// <summary>Adds or takes items and gold, written through before it answers; nothing changes if any part is refused.</summary>
    [Alias("AdjustInventory")]
    Task<Operations.OperatorResult<Operations.CharacterView>> AdjustInventory(Operations.InventoryChange change);
}
