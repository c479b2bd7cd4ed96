using System.Net;
using Orleans.Configuration;
using OrleansMmo.Hosting;

namespace OrleansMmo.Silo.Hosting;

public static class ClusteringExtensions
{
    /// <summary>Redis membership when <c>ConnectionStrings:Redis</c> is set, localhost clustering otherwise.</summary>
    public static ISiloBuilder UseMmoClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        var redis = configuration.GetConnectionString(ClusterSettings.RedisConnectionStringName);
        if (string.IsNullOrWhiteSpace(redis))
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
            return silo;
        }

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        silo.UseRedisClustering(redis);
        var advertised = ResolveAdvertisedAddress(settings.AdvertisedAddress);
        silo.ConfigureEndpoints(advertised, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        return silo;
    }

    /// <summary>An IP, or a host name (a container's service name) resolved to its first IPv4 address.</summary>
    private static IPAddress ResolveAdvertisedAddress(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(configured, out var address))
        {
            return address;
        }

        return Dns.GetHostAddresses(configured).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"Cluster:AdvertisedAddress '{configured}' does not resolve to an IPv4 address");
    }
}
