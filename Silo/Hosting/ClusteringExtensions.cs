using System.Net;
using Orleans.Configuration;
using OrleansMmo.Hosting;

namespace OrleansMmo.Silo.Hosting;

public static class ClusteringExtensions
{
    /// <summary>Section overriding the membership defaults below (any <see cref="ClusterMembershipOptions"/> property).</summary>
    public const string MembershipSection = "Cluster:Membership";
    public const string GrainCollectionSection = "Cluster:GrainCollection";

    /// <summary>Redis membership when <c>ConnectionStrings:Redis</c> is set, localhost clustering otherwise.</summary>
    public static ISiloBuilder UseMmoClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = silo.Services.AddMmoClusterOptions(configuration);
        var redis = configuration.GetConnectionString(MmoClusterOptions.RedisConnectionStringName);
        silo.Configure<ClusterMembershipOptions>(TuneForGame);
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
        // Orleans' idle collection (CollectionAge, CollectionQuantum), for tests and for tuning memory.
        silo.Configure<GrainCollectionOptions>(configuration.GetSection(GrainCollectionSection));
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
        // Several silos: a ticket signed by one must verify on every other, so a per-silo random key (the one-silo
        // default) would refuse resumes and queue tickets at random. Refuse to start rather than warn.
        silo.Services.AddOptions<OrleansMmo.Grains.Accounts.TicketOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.SigningKey),
                "Tickets:SigningKey is required when the cluster uses Redis membership (several silos): set the same key, base64 of 32+ random bytes, on every silo")
            .ValidateOnStart();
        var advertised = ResolveAdvertisedAddress(settings.AdvertisedAddress);
        silo.ConfigureEndpoints(advertised, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        return silo;
    }

    /// <summary>
    /// Orleans' defaults suit long-running business services: a dead silo is declared dead after
    /// 3 missed probes of 5 s, about 15 s, during which every call to its grains fails. For a game
    /// that is 15 s of frozen players. Silos sit on one low-latency network, so probes can be much
    /// shorter: 2 missed probes of 1 s declare a killed silo dead in about a second or two, and its
    /// grains reactivate elsewhere. The cost is a false suspicion during a long GC pause or a
    /// saturated host; <c>ExtendProbeTimeoutDuringDegradation</c> (on by default) lengthens the
    /// timeout while the probing silo itself is unhealthy, and indirect probes (also on) ask a third
    /// silo before a vote. Raise <c>Cluster:Membership:ProbeTimeout</c> for a cluster spread over a
    /// slower network.
    /// </summary>
    private static void TuneForGame(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.MinProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        // A silo that stops writing its I-am-alive row (table-based detection, the fallback when
        // probes cannot decide) is noticed sooner, and every silo re-reads the table more often, so
        // a view missed through gossip converges within seconds rather than a minute.
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        // Votes expire after a few probe rounds, not two minutes: stale suspicions do not add up.
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        // Dead rows of crashed silos leave Redis after a day instead of a week.
        o.DefunctSiloExpiration = TimeSpan.FromDays(1);
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
