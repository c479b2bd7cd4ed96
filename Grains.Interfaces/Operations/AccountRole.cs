namespace OrleansMmo.Grains.Operations;

/// <summary>
/// What an account (or an operator key) may do. Ordered: each role may do everything the roles below
/// it may. Stored with the account; only an admin changes it.
/// </summary>
[GenerateSerializer, Alias("mmo.AccountRole")]
public enum AccountRole
{
    /// <summary>Plays the game; no operator actions.</summary>
    Player = 0,

    /// <summary>Game master: looks players up, kicks, mutes, bans accounts, teleports, announces; may enter a world in maintenance and skips the queue.</summary>
    GameMaster = 1,

    /// <summary>Everything: roles, address bans, grants of items and gold, worlds, gateways, game data, shutdown.</summary>
    Admin = 2,
}
