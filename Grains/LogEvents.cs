namespace OrleansMmo.Grains;

/// <summary>
/// Every log event id of the grains assembly, in one place (after dotnet/orleans' ErrorCodes.cs):
/// each <c>[LoggerMessage]</c> of this assembly takes its id from here, and a test proves each id is
/// used exactly once. Ids are stable: operators filter and alert on them; retire an id, never reuse it.
/// Assemblies own disjoint ranges: Grains 1000-1999, 3000-4999 and 6000-6999; Gateway 2000-2999;
/// Silo 5000-5999 (docs/operations.md).
/// </summary>
internal static class LogEvents
{
    // Accounts: 1000-1099.
    public const int AccountRegistered = 1001;
    public const int AccountLoggedIn = 1002;
    public const int AccountResumed = 1003;
    public const int AccountLockedOut = 1004;
    public const int CharacterCreated = 1005;
    public const int CharacterDeleted = 1006;
    public const int AccountKickFailed = 1007;
    public const int AccountDetachFailed = 1020;

    // Security: 1100-1199.
    public const int PasswordHashingSaturated = 1101;
    public const int TicketSigningKeyEphemeral = 1102;

    // Players: 3000-3099.
    public const int PlayerCreated = 3000;
    public const int PlayerRelocated = 3001;
    public const int PlayerAttached = 3002;
    public const int PlayerDetached = 3003;
    public const int PlayerMoveCorrected = 3004;
    public const int PlayerTransferred = 3005;
    public const int PlayerZoneUnavailable = 3006;
    public const int PlayerWriteFailed = 3007;
    public const int PlayerAttackRefused = 3008;
    public const int PlayerLeveledUp = 3009;

    // Zones and the gateway fan-out they share with whispers, world chat and announcements: 3100-3199.
    public const int ZoneEntered = 3100;
    public const int ZoneLeft = 3101;
    public const int FanoutDeliveryFailed = 3102;
    public const int FanoutGatewayDropped = 3103;
    public const int ZoneGatewayDropped = 3104;

    // World chat: 3200-3299 (3200, a world chat broadcast failure, is logged as FanoutDeliveryFailed now).

    // Write-behind persistence: 4000-4099.
    public const int WriteBehindFailing = 4001;
    public const int WriteBehindStillFailing = 4002;
    public const int WriteBehindRecovered = 4003;
    public const int WriteBehindConflict = 4004;
    public const int WriteBehindLost = 4005;
    public const int WriteBehindUnconfirmedWriteFound = 4006;

    // Gateway registry: 6000-6099.
    public const int GatewayJoined = 6001;
    public const int GatewayLeft = 6002;
    public const int GatewayExpired = 6003;
    public const int GatewayRegistryFull = 6004;
}
