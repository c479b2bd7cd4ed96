namespace OrleansMmo.Hosting;

/// <summary>
/// Every log event id of what silo and gateway set up alike, in one place (docs/operations.md lists the ranges):
/// cluster TLS 7000-7099.
/// </summary>
internal static class LogEvents
{
    // Cluster TLS (ClusterTlsExtensions).
    public const int ClusterTlsOn = 7001;
    public const int ClusterTlsOff = 7002;
    public const int ClusterTlsExpiring = 7003;
    public const int ClusterTlsRefused = 7004;
}
