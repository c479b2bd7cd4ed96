using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

[Collection(RegistryClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class DrainTests(RegistryCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task DrainingMovesPlayersToAnotherGatewayWhereTheyResumeWithoutAPassword()
    {
        var leaving = await cluster.StartGatewayAsync();
        var staying = await cluster.StartGatewayAsync();
        try
        {
            var stayingId = Directory(staying).GatewayId;
            await Await.Until(() => Directory(leaving).Live.Any(g => g.GatewayId == stayingId), "the draining gateway to know the other one");

            var client = await cluster.ConnectAsync(port: GameCluster.GamePortOf(leaving));
            var username = GameCluster.UniqueName("drain");
            await client.RegisterAsync(username, Password);
            await client.LoginAsync(username, Password);
            var character = await client.CreateCharacterAsync("Dr" + Guid.NewGuid().ToString("N")[..8]);
            await client.EnterWorldAsync(character.CharacterId);

            using var http = AdminClient(leaving, RegistryCluster.AdminKey);
            var response = await http.PostAsync("/admin/drain", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.Content.ReadFromJsonAsync<DrainResult>();
            Assert.True(result!.Draining);
            Assert.Equal(1, result.ConnectionsMoved);

            var notice = await Await.Within(client.Disconnected, "the drain notice");
            Assert.Equal(DisconnectReason.Draining, notice.Reason);
            Assert.Contains(notice.Alternatives, g => g.GatewayId == stayingId);
            Assert.DoesNotContain(notice.Alternatives, g => g.GatewayId == Directory(leaving).GatewayId);

            var (resumed, session) = await client.ReconnectAsync();
            await using (resumed)
            {
                await client.DisposeAsync();
                Assert.Equal(character.CharacterId, session.LastCharacterId);
                Assert.NotEqual(Directory(leaving).GatewayId, resumed.Hello!.GatewayId);
                Assert.Single(await resumed.ListCharactersAsync());
            }

            // Within a heartbeat, the other gateways stop advertising the draining one.
            var leavingId = Directory(leaving).GatewayId;
            await Await.Until(() => !Directory(staying).Advertised.Any(g => g.GatewayId == leavingId)
                && Directory(staying).Live.Any(g => g.GatewayId == leavingId && g.Draining), "the draining gateway to be flagged and no longer advertised");

            // New clients are turned away with the same advice, and the load balancer sees it is not ready.
            await using var late = await cluster.ConnectAsync(new MmoClientOptions { SkipHandshake = true }, GameCluster.GamePortOf(leaving));
            var refused = await Await.Within(late.Disconnected, "a new connection to be redirected");
            Assert.Equal(DisconnectReason.Draining, refused.Reason);
            Assert.Contains(refused.Alternatives, g => g.GatewayId == stayingId);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/undrain", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
            await using var welcome = await cluster.ConnectAsync(port: GameCluster.GamePortOf(leaving));
            await welcome.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(leaving);
            await cluster.StopGatewayAsync(staying);
        }
    }

    [Fact]
    public async Task AGatewayThatStopsCleanlyDoesNotWarnOfALostSilo()
    {
        // A gateway's own stop closes its connections to the silos; operators read a 2130 warning as a silo gone, so
        // it is logged only when a silo goes while the gateway runs (docs/operations.md, log events).
        var gateway = await cluster.StartGatewayAsync();
        var before = cluster.Logs.Entries.Count;
        await cluster.StopGatewayAsync(gateway);

        List<string> Monitor() => cluster.Logs.Entries.Skip(before).Where(e => e.Contains(nameof(ClusterFailoverMonitor), StringComparison.Ordinal)).ToList();
        // The client's notice of its closed connections may come a moment after the stop returns.
        await Await.Until(() => Monitor().Any(e => e.StartsWith("Debug", StringComparison.Ordinal) && e.Contains("Disconnected from the cluster while stopping", StringComparison.Ordinal)),
            "the stopping gateway's notice that it left the cluster");
        Assert.DoesNotContain(Monitor(), e => e.StartsWith("Warning", StringComparison.Ordinal) || e.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminActionsNeedTheKey()
    {
        using var none = AdminClient(cluster.Gateway, key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await none.PostAsync("/admin/drain", null)).StatusCode);
        using var wrong = AdminClient(cluster.Gateway, RegistryCluster.AdminKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync("/admin/drain", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/gateways")).StatusCode);
        Assert.False(Directory(cluster.Gateway).IsDraining);

        using var right = AdminClient(cluster.Gateway, RegistryCluster.AdminKey);
        var gateways = await right.GetFromJsonAsync<List<Dictionary<string, object>>>("/admin/gateways");
        Assert.NotEmpty(gateways!);
    }

    [Fact]
    public async Task WithoutAConfiguredKeyAdminActionsAreRefused()
    {
        var gateway = await cluster.StartGatewayAsync([("Admin:Key", "")]);
        try
        {
            using var http = AdminClient(gateway, "anything");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync("/admin/drain", null)).StatusCode);
            Assert.False(Directory(gateway).IsDraining);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task HealthEndpointsAnswerOnTheAdminPorts()
    {
        using var gateway = AdminClient(cluster.Gateway, key: null);
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/health/live")).StatusCode);
        await Await.Until(async () => (await gateway.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the gateway to be ready");

        using var silo = AdminClient(cluster.Silo, key: null);
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/health/ready")).StatusCode);
    }

    private static GatewayDirectory Directory(WebApplication gateway) => gateway.Services.GetRequiredService<GatewayDirectory>();

    private static HttpClient AdminClient(WebApplication app, string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(app)}"), Timeout = TimeSpan.FromSeconds(15) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("X-Admin-Key", key);
        }

        return http;
    }
}
