namespace OrleansMmo.Gateway;

/// <summary>
/// Every log event id of the gateway assembly, in one place (after dotnet/orleans' ErrorCodes.cs):
/// each <c>[LoggerMessage]</c> of this assembly takes its id from here, and a test proves each id is
/// used exactly once. Ids are stable: operators filter and alert on them; retire an id, never reuse it.
/// Assemblies own disjoint ranges: Grains 1000-1999, 3000-4999 and 6000-6999; Gateway 2000-2999;
/// Silo 5000-5999 (docs/operations.md).
/// </summary>
internal static class LogEvents
{
    // Connections (read loop): 2000-2009.
    public const int ConnectionOpened = 2001;
    public const int ConnectionClosed = 2002;
    public const int ConnectionBadFrame = 2003;
    public const int ConnectionTruncated = 2004;
    public const int ConnectionReadLoopFailed = 2005;
    public const int ConnectionReleaseFailed = 2006;
    public const int ConnectionRequestStillRunning = 2007;
    public const int ConnectionReleaseRetrying = 2008;
    public const int ConnectionRefusedByAddress = 2009;

    // PROXY protocol and TLS on the public ports: 2070-2079.
    public const int ProxyHeaderRefused = 2070;

    // Sessions: 2010-2019.
    public const int SessionClosing = 2010;
    public const int SessionDroppingPushes = 2011;
    public const int BroadcastGroupFailed = 2012;

    // Request routing: 2020-2029.
    public const int RequestProtocolViolation = 2020;
    public const int RequestHandlerFailed = 2021;
    public const int RequestClusterRetry = 2022;
    public const int RequestWorldRetry = 2023;
    public const int RequestStateNotWritten = 2024;

    // Gateway lifetime: 2030-2039.
    public const int GatewayShuttingDown = 2030;
    public const int GatewayShutdownTimedOut = 2031;

    // Hosting: 2040-2049.
    public const int ClusterConnectRetrying = 2040;
    public const int GatewayReady = 2041;

    // WebSocket endpoint: 2050-2059.
    public const int WebSocketOriginRefused = 2050;

    // Firefly door: 2060-2069.
    public const int FireflyBadPacket = 2060;

    // Gateway registry heartbeat: 2100-2109.
    public const int RegistryHeartbeatFailed = 2101;
    public const int RegistryHeartbeatRecovered = 2102;
    public const int RegistryUnregisterFailed = 2103;
    public const int RegistryBansFailed = 2104;
    public const int RegistryWorldsFailed = 2105;

    // Drain: 2110-2119.
    public const int DrainStarted = 2110;
    public const int DrainEnded = 2111;
    public const int DrainRegistryUnreachable = 2112;

    // Admin endpoints: 2120-2129.
    public const int AdminRequestRefused = 2120;

    // Cluster failover: 2130-2139.
    public const int ClusterSiloLost = 2130;
    public const int ClusterLost = 2131;
    public const int ClusterLeftWhileStopping = 2132;

    // Operations (address bans, shutdown): 2200-2299.
    public const int AddressBansUpdated = 2201;
    public const int ShutdownClosing = 2210;
    public const int ShutdownReleaseTimedOut = 2211;
    public const int ShutdownGatewayStopping = 2212;
    public const int RegistryShutdownFailed = 2106;
}
