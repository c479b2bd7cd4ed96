using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// The live gateways of the cluster with their public address and load: the world-server registry
/// of the seed article. In memory only: after a silo failure it reactivates empty and the gateways'
/// next heartbeats fill it again. Key: <see cref="Key"/> (one per cluster).
/// </summary>
[Alias("mmo.IGatewayRegistryGrain")]
public interface IGatewayRegistryGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Registers the gateway or refreshes its entry; <c>LastSeen</c> is set by the registry's clock.</summary>
    [Alias("Heartbeat")]
    Task Heartbeat(GatewayRegistration registration);

    /// <summary>Removes the gateway at once (a clean shutdown), instead of waiting for it to expire.</summary>
    [Alias("Unregister")]
    Task Unregister(string gatewayId);

    /// <summary>Gateways heard from within the expiry, draining ones included (flagged).</summary>
    [ReadOnly, Alias("GetLive")]
    Task<ImmutableArray<GatewayRegistration>> GetLive();
}

/// <summary>One gateway as the registry knows it.</summary>
/// <param name="GatewayId">Stable id of the gateway process.</param>
/// <param name="Observer">Reaches the gateway's connections (kicks, world deliveries).</param>
/// <param name="PublicHost">Host name or address clients connect to.</param>
/// <param name="PublicPort">Game port clients connect to.</param>
/// <param name="Connections">Open client connections.</param>
/// <param name="InWorld">Connections playing a character.</param>
/// <param name="Draining">Accepts no new clients; its clients are moving elsewhere.</param>
/// <param name="LastSeen">When the registry last heard from it.</param>
/// <param name="Instance">The gateway process: new at every start, so a restarted gateway is told from the one that died.</param>
[GenerateSerializer, Immutable, Alias("mmo.GatewayRegistration")]
public sealed record GatewayRegistration(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] IGatewayObserver Observer,
    [property: Id(2)] string PublicHost,
    [property: Id(3)] int PublicPort,
    [property: Id(4)] int Connections,
    [property: Id(5)] int InWorld,
    [property: Id(6)] bool Draining,
    [property: Id(7)] DateTimeOffset LastSeen,
    [property: Id(8)] string Instance = "");
