using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>A cluster of its own, shut down by the test: its silo and gateway stop, then start again to check what was kept.</summary>
public sealed class ShutdownCluster : GameCluster
{
    public const string AdminKey = "shutdown-tests-admin-key-0123";

    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("Admin:Key", AdminKey)];

    public OperatorHttp Api() => new(AdminPortOf(Silo), AdminKey);
}

[Trait("Category", "Cluster")]
public class ShutdownTests(ShutdownCluster cluster) : IClassFixture<ShutdownCluster>
{
    [Fact]
    public async Task AScheduledShutdownCountsDownStopsLoginsClosesEverySessionAsShutdownStopsTheClusterAndLosesNothing()
    {
        await using var mover = await WorldPlayer.EnterAsync(cluster, "sdm");
        await using var idler = await WorldPlayer.EnterAsync(cluster, "sdi");
        var moved = await mover.MoveAsync(1507, 1503);
        Assert.True(moved.Accepted);
        await using var late = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("sdl");
        await late.RegisterAsync(username, WorldPlayer.Password);
        var siloStopped = new TaskCompletionSource();
        var gatewayStopped = new TaskCompletionSource();
        // A process's RunAsync stops its host once it is asked to (ApplicationStopping); these hosts are the
        // fixture's, so the test sees the request and RestartAsync below does the stopping, gracefully.
        using var onSilo = cluster.Silo.Lifetime.ApplicationStopping.Register(() => siloStopped.TrySetResult());
        using var onGateway = cluster.Gateway.Lifetime.ApplicationStopping.Register(() => gatewayStopped.TrySetResult());

        using (var api = cluster.Api())
        {
            var scheduled = await api.PostAsync("/api/shutdown", new { inSeconds = 7, message = "Back at six." });
            Assert.Equal(200, scheduled.Status);
        }

        await mover.WaitForAsync(p => p.Chat().Any(c => c.Channel == ChatChannel.System && c.Text.StartsWith("The server shuts down in 7 seconds", StringComparison.Ordinal)),
            "the first announcement");
        Assert.Contains(mover.Chat(), c => c.Text.EndsWith("Back at six.", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => late.LoginAsync(username, WorldPlayer.Password));
        Assert.Equal(ErrorCode.ShuttingDown, refused.Code);

        var notice = await Await.Within(mover.Client.Disconnected, "the shutdown's disconnect", TimeSpan.FromSeconds(30));
        Assert.Equal(DisconnectReason.ServerShutdown, notice.Reason);
        Assert.Equal(DisconnectReason.ServerShutdown, (await Await.Within(idler.Client.Disconnected, "the idler's disconnect")).Reason);
        Assert.Contains(mover.Chat(), c => c.Text.StartsWith("The server shuts down in", StringComparison.Ordinal) && !c.Text.Contains("7 seconds", StringComparison.Ordinal));
        await Await.Within(siloStopped.Task, "the silo to ask itself to stop", TimeSpan.FromSeconds(60));
        await Await.Within(gatewayStopped.Task, "the gateway to ask itself to stop", TimeSpan.FromSeconds(60));

        // Stopped (gracefully, as RunAsync would) and started again on the same database: every session was closed as "shutdown", and the moves were kept.
        await cluster.RestartAsync();
        using var after = cluster.Api();
        foreach (var player in new[] { mover, idler })
        {
            var lookup = await after.GetAsync($"/api/characters/alpha/{player.Name}");
            var session = Assert.Single(lookup.Value.GetProperty("recentSessions").EnumerateArray());
            Assert.Equal("shutdown", session.GetProperty("endReason").GetString());
            Assert.False(lookup.Value.GetProperty("playTime").GetProperty("online").GetBoolean());
        }

        var position = (await after.GetAsync($"/api/characters/alpha/{mover.Name}")).Value.GetProperty("character").GetProperty("position");
        Assert.Equal((1507f, 1503f), (position.GetProperty("x").GetSingle(), position.GetProperty("y").GetSingle()));
        Assert.Equal("none", (await after.GetAsync("/api/shutdown")).Value.GetProperty("phase").GetString());
    }
}
