using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// How this gateway presents itself to the cluster's gateway registry. Section <c>Gateway</c>, beside
/// the connection limits.
/// </summary>
public sealed class GatewayClusterOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// Host name or address clients use to reach this gateway directly (listed in Login responses and
    /// drain notices). When empty: <c>Gateway:ListenAddress</c> if it is a specific address; a gateway
    /// listening on all interfaces without it is left out of those lists (its machine name would resolve
    /// only where it runs), and clients reconnect through the address they used. Set it behind NAT, in
    /// containers, and on every gateway of a cluster.
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>Game port clients use to reach this gateway directly; 0 means the port it listens on.</summary>
    [Range(0, 65535)] public int PublicPort { get; set; }

    /// <summary>
    /// How often the gateway reports its load to the registry and refreshes its list of the others.
    /// The registry drops a gateway after <c>GatewayRegistry:Expiry</c> (6 s, three heartbeats) of silence.
    /// </summary>
    public TimeSpan RegistryHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gateways listed to a client at most (Login, ResumeSession, drain notices).</summary>
    [Range(1, 256)] public int MaxAdvertisedGateways { get; set; } = 8;
}

[OptionsValidator]
public sealed partial class GatewayClusterOptionsValidator : IValidateOptions<GatewayClusterOptions>;
