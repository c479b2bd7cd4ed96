using System.ComponentModel.DataAnnotations;

namespace OrleansMmo.Hosting;

/// <summary>
/// How silos and gateways find each other. Section <c>Cluster</c>. Shared by both processes so
/// they cannot disagree on ids or ports. With <c>ConnectionStrings:Redis</c> set, membership lives
/// in Redis; otherwise everything runs on localhost.
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";
    public const string RedisConnectionStringName = "Redis";

    [Required] public string ClusterId { get; set; } = "orleansmmo";
    [Required] public string ServiceId { get; set; } = "orleansmmo";
    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;
    /// <summary>Port on which silos accept Orleans clients (the gateways).</summary>
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;
    /// <summary>Address (IP or host name) other silos and gateways use to reach this silo; loopback when empty.</summary>
    public string? AdvertisedAddress { get; set; }
}
