namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Which role each operator action needs, in one table (docs/operations.md repeats it). Reads of
/// aggregate data and of the audit log are not audited; everything else is, refused attempts included.
/// </summary>
public static class OperatorRules
{
    public static AccountRole Required(string action) => action switch
    {
        "look_up" or "list_online" or "kick" or "ban" or "unban" or "mute" or "unmute" or "teleport" or "announce"
            or "audit" or "stats" or "worlds" or "gateways" or "shutdown_status" => AccountRole.GameMaster,
        // Roles, address bans, the economy, worlds, gateways, game data and shutdown: admins only.
        _ => AccountRole.Admin,
    };

    /// <summary>Longest reason or announcement an operator may give.</summary>
    public const int MaxTextLength = 1000;

    /// <summary>Longest stretch the daily statistics cover in one request.</summary>
    public const int MaxStatsDays = 92;

    /// <summary>Character stays read for one statistics request at most: bounds its memory.</summary>
    public const int MaxStatsStays = 500_000;
}
