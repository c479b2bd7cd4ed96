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
    public const int AccountResumeRepeated = 1008;
    public const int AccountKickSkipped = 1009;
    public const int AccountDetachFailed = 1020;
    public const int AccountRecordFailed = 1021;
    public const int AccountRoleSet = 1030;
    public const int AccountKicked = 1031;
    public const int AccountBanned = 1032;
    public const int CharacterNameMigrationComplete = 1040;
    public const int CharacterNameLookAlikeKept = 1041;
    public const int CharacterNameMigrationFailed = 1042;

    // Security: 1100-1199.
    public const int PasswordHashingSaturated = 1101;
    public const int TicketSigningKeyEphemeral = 1102;
    public const int PasswordHashingSaturationOver = 1103;
    public const int HashingThreadPriorityRefused = 1104;

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
    public const int PlayerTeleported = 3010;
    public const int PlayerPushFailed = 3011;
    public const int PlayerRefreshBehind = 3012;
    public const int PlayerWorldUnavailable = 3013;
    public const int PlayerEscrowReserved = 3014;
    public const int PlayerEscrowSettled = 3015;
    public const int PlayerEscrowReleased = 3016;
    public const int PlayerEscrowUnresolved = 3017;
    public const int PlayerGatewayGone = 3018;

    // Trades: 3400-3499.
    public const int TradeCompleted = 3400;
    public const int TradeCancelled = 3401;
    public const int TradeStepFailed = 3402;
    public const int TradeResumed = 3403;
    public const int TradePushFailed = 3404;
    public const int TradePausedForTest = 3405;

    // Zones and the gateway fan-out they share with whispers, world chat and announcements: 3100-3199.
    public const int ZoneEntered = 3100;
    public const int ZoneLeft = 3101;
    public const int FanoutDeliveryFailed = 3102;
    public const int FanoutGatewayDropped = 3103;
    public const int ZoneGatewayDropped = 3104;

    // World chat: 3200-3299 (3200, a world chat broadcast failure, is logged as FanoutDeliveryFailed now).

    // Worlds and their login queues: 3300-3399.
    public const int WorldQueued = 3300;
    public const int WorldRequeued = 3301;
    public const int WorldTurnMissed = 3302;
    public const int WorldPlaceLost = 3303;
    public const int WorldConfigured = 3304;
    public const int WorldQueueDeliveryFailed = 3305;
    public const int WorldZoneUnreachable = 3306;
    public const int WorldHealthChanged = 3307;
    public const int WorldReconcileFailed = 3308;
    public const int WorldReconciled = 3309;

    // Write-behind persistence: 4000-4099.
    public const int WriteBehindFailing = 4001;
    public const int WriteBehindStillFailing = 4002;
    public const int WriteBehindRecovered = 4003;
    public const int WriteBehindConflict = 4004;
    public const int WriteBehindLost = 4005;
    public const int WriteBehindUnconfirmedWriteFound = 4006;
    public const int WriteBehindWriteThroughTimedOut = 4007;
    public const int WriteBehindAbandonedWriteStored = 4008;

    // Gateway registry: 6000-6099.
    public const int GatewayJoined = 6001;
    public const int GatewayLeft = 6002;
    public const int GatewayExpired = 6003;
    public const int GatewayRegistryFull = 6004;
    public const int GatewaySessionsClosed = 6005;
    public const int GatewaySessionSweepFailed = 6006;

    // Operations (operator actions, address bans): 6100-6199.
    public const int OperatorAction = 6101;
    public const int OperatorActionFailed = 6102;
    public const int OperatorAuditIncomplete = 6103;
    public const int AddressBansPushFailed = 6110;

    // Game data reloads: 6200-6299.
    public const int GameDataApplied = 6201;
    public const int GameDataRejected = 6202;
    public const int GameDataPollFailed = 6203;
    public const int ZoneDataChanged = 6204;
    public const int ZoneRefreshFailed = 6205;

    // Scheduled shutdown: 6300-6399.
    public const int ShutdownScheduled = 6301;
    public const int ShutdownCancelled = 6302;
    public const int ShutdownDisconnecting = 6303;
    public const int ShutdownStopping = 6304;
    public const int ShutdownAnnounceFailed = 6305;
    public const int ShutdownGatewayFailed = 6306;
    public const int ShutdownSiloStopping = 6307;
    public const int ShutdownPollFailed = 6308;
}
