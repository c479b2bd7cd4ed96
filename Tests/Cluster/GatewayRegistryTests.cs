using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

[Collection(RegistryClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class GatewayRegistryTests(RegistryCluster cluster)
{
    private IGatewayRegistryGrain Registry =>
        cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key);

    [Fact]
    public async Task LoginListsTheLiveGatewaysLeastLoadedFirst()
    {
        var busy = cluster.Gateway;
        var quiet = await cluster.StartGatewayAsync();
        var busyId = Directory(busy).GatewayId;
        var quietId = Directory(quiet).GatewayId;
        var load = new List<OrleansMmo.Client.MmoClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                load.Add(await cluster.ConnectAsync());
            }

            // Both heartbeats carry the load, and the quiet gateway's cached list reflects it.
            await Await.Until(
                () => Directory(quiet).Live.Any(g => g.GatewayId == busyId && g.Connections >= 3) && Directory(quiet).Live.Any(g => g.GatewayId == quietId),
                "the quiet gateway to see both gateways with their load");

            await using var client = await cluster.ConnectAsync(port: GameCluster.GamePortOf(quiet));
            var username = GameCluster.UniqueName("list");
            await client.RegisterAsync(username, "correct horse battery");
            var login = await client.LoginAsync(username, "correct horse battery");

            Assert.Equal([quietId, busyId], login.Gateways.Where(g => g.GatewayId == quietId || g.GatewayId == busyId).Select(g => g.GatewayId));
            var quietEntry = login.Gateways.Single(g => g.GatewayId == quietId);
            Assert.Equal("127.0.0.1", quietEntry.Host);
            Assert.Equal((uint)GameCluster.GamePortOf(quiet), quietEntry.Port);
        }
        finally
        {
            foreach (var client in load)
            {
                await client.DisposeAsync();
            }

            await cluster.StopGatewayAsync(quiet);
        }
    }

    [Fact]
    public async Task AGatewayThatStopsCleanlyLeavesTheRegistryAtOnce()
    {
        var gateway = await cluster.StartGatewayAsync();
        var id = Directory(gateway).GatewayId;
        await Await.Until(async () => (await Registry.GetLive()).Any(g => g.GatewayId == id), "the new gateway to register");

        var observer = gateway.Services.GetRequiredService<OrleansMmo.Gateway.Sessions.GatewayIdentity>().Observer;
        var liveGateways = cluster.Silo.Services.GetRequiredService<LiveGateways>();
        Assert.True(await liveGateways.IsLiveAsync(observer), "a registered gateway taken for dead");

        await cluster.StopGatewayAsync(gateway);

        Assert.DoesNotContain(await Registry.GetLive(), g => g.GatewayId == id);
        // The account grains stop sending kicks to it (they would fail in placement, each logged with a stack trace).
        await Await.Until(async () => !await liveGateways.IsLiveAsync(observer), "the silo to see the gateway gone");
    }

    [Fact]
    public async Task AGatewayThatStopsHeartbeatingDropsOutAfterTheExpiry()
    {
        // A gateway that died without a word: one heartbeat, then silence.
        var observer = cluster.Gateway.Services.GetRequiredService<OrleansMmo.Gateway.Sessions.GatewayIdentity>().Observer;
        var ghost = new GatewayRegistration("gw-ghost-" + Guid.NewGuid().ToString("N")[..6], observer, "10.9.9.9", 7000, 5, 1, false, DateTimeOffset.MinValue);
        await Registry.Heartbeat(ghost);

        var live = await Registry.GetLive();
        var entry = Assert.Single(live, g => g.GatewayId == ghost.GatewayId);
        Assert.NotEqual(DateTimeOffset.MinValue, entry.LastSeen);

        await Await.Until(async () => !(await Registry.GetLive()).Any(g => g.GatewayId == ghost.GatewayId),
            "the silent gateway to drop out", RegistryCluster.Expiry * 4);
        // The live gateway kept heartbeating and stays.
        Assert.Contains(await Registry.GetLive(), g => g.GatewayId == Directory(cluster.Gateway).GatewayId);
    }

    [Fact]
    public async Task ADrainingGatewayIsListedAsDrainingAndNotAdvertised()
    {
        var observer = cluster.Gateway.Services.GetRequiredService<OrleansMmo.Gateway.Sessions.GatewayIdentity>().Observer;
        var draining = new GatewayRegistration("gw-draining-" + Guid.NewGuid().ToString("N")[..6], observer, "127.0.0.9", 7009, 0, 0, true, default);
        await Registry.Heartbeat(draining);
        ImmutableArray<GatewayRegistration> live = await Registry.GetLive();
        Assert.True(Assert.Single(live, g => g.GatewayId == draining.GatewayId).Draining);

        // Least loaded, yet never handed to clients.
        await Registry.Heartbeat(draining);
        await Await.Until(() => Directory(cluster.Gateway).Live.Any(g => g.GatewayId == draining.GatewayId), "the gateway to cache the draining entry");
        Assert.DoesNotContain(Directory(cluster.Gateway).Advertised, g => g.GatewayId == draining.GatewayId);
        await Registry.Unregister(draining.GatewayId);
    }

    [Fact]
    public async Task AGatewayOnAllInterfacesWithoutAPublicHostIsNotAdvertisedUnderAMachineName()
    {
        var wildcard = await cluster.StartGatewayAsync([("Gateway:ListenAddress", "0.0.0.0")]);
        try
        {
            var id = Directory(wildcard).GatewayId;
            await Await.Until(() => Directory(cluster.Gateway).Live.Any(g => g.GatewayId == id), "the first gateway to see the new one");

            // Registered (operators see it), with no host, and never handed to clients: its machine name would resolve nowhere else.
            Assert.Equal("", Directory(cluster.Gateway).Live.Single(g => g.GatewayId == id).PublicHost);
            Assert.DoesNotContain(Directory(cluster.Gateway).Advertised, g => g.GatewayId == id);
            Assert.Contains(Directory(cluster.Gateway).Advertised, g => g.GatewayId == Directory(cluster.Gateway).GatewayId);
        }
        finally
        {
            await cluster.StopGatewayAsync(wildcard);
        }
    }

    private static GatewayDirectory Directory(Microsoft.AspNetCore.Builder.WebApplication gateway) =>
        gateway.Services.GetRequiredService<GatewayDirectory>();
}
