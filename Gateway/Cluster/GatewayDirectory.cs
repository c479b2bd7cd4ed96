using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Hosting;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// This gateway's copy of the registry (refreshed every heartbeat), and what it tells the registry
/// about itself. Clients are handed the copy; nobody waits on a grain call to list gateways.
/// </summary>
public sealed class GatewayDirectory(
    GatewayIdentity identity,
    SessionRegistry sessions,
    GatewayEndpoints endpoints,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<GatewayClusterOptions> options,
    TimeProvider time)
{
    private readonly GatewayClusterOptions _options = options.Value;
    private Snapshot _snapshot = new([], []);
    private long _lastRefreshTimestamp;
    private volatile bool _draining;

    public string GatewayId => identity.GatewayId;

    /// <summary>Set by a drain: the registry lists this gateway as draining, clients are sent elsewhere.</summary>
    public bool IsDraining => _draining;

    /// <summary>Every live gateway in the last refresh, this one and draining ones included.</summary>
    public ImmutableArray<GatewayRegistration> Live => Volatile.Read(ref _snapshot).Live;

    /// <summary>Gateways a client may use, least loaded first, draining ones left out.</summary>
    public IReadOnlyList<GatewayAddress> Advertised => Volatile.Read(ref _snapshot).Advertised;

    /// <summary>Gateways to move to from this one: <see cref="Advertised"/> without this gateway.</summary>
    public IEnumerable<GatewayAddress> Alternatives => Advertised.Where(g => g.GatewayId != identity.GatewayId);

    /// <summary>Time since the registry last answered, or null if it never did.</summary>
    public TimeSpan? SinceLastRefresh
    {
        get
        {
            var last = Interlocked.Read(ref _lastRefreshTimestamp);
            return last == 0 ? null : time.GetElapsedTime(last);
        }
    }

    public void SetDraining(bool draining) => _draining = draining;

    /// <summary>This gateway's entry: its observer, its public address and its load right now.</summary>
    public GatewayRegistration CurrentRegistration() =>
        new(identity.GatewayId, identity.Observer, PublicHost(), PublicPort(), sessions.Count, sessions.CountInWorld(), _draining, time.GetUtcNow(), identity.Instance);

    public void Update(ImmutableArray<GatewayRegistration> live)
    {
        var advertised = live
            // A gateway with no public host could only be named by a machine name that resolves nowhere else: not listed.
            .Where(g => !g.Draining && !string.IsNullOrEmpty(g.PublicHost))
            .OrderBy(g => g.Connections)
            .ThenBy(g => g.GatewayId, StringComparer.Ordinal)
            .Take(_options.MaxAdvertisedGateways)
            .Select(g => new GatewayAddress { Host = g.PublicHost, Port = (uint)g.PublicPort, GatewayId = g.GatewayId })
            .ToArray();
        Volatile.Write(ref _snapshot, new Snapshot(live, advertised));
        Interlocked.Exchange(ref _lastRefreshTimestamp, time.GetTimestamp());
    }

    private string PublicHost()
    {
        if (!string.IsNullOrWhiteSpace(_options.PublicHost))
        {
            return _options.PublicHost;
        }

        var listen = gatewayOptions.Value.ListenAddress;
        return IPAddress.TryParse(listen, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? listen
            : "";
    }

    private int PublicPort() => _options.PublicPort != 0 ? _options.PublicPort : endpoints.GamePort;

    // Advertised entries are shared by every response that lists them; protobuf only reads them when serializing.
    private sealed record Snapshot(ImmutableArray<GatewayRegistration> Live, IReadOnlyList<GatewayAddress> Advertised);
}
