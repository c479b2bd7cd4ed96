using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Play sessions as the records keep them: every session, how it ended, play time, and the sessions of gateways that die.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class SessionRecordTests(OperationsCluster cluster)
{
    private IOperationsStore Records => cluster.Silo.Services.GetRequiredService<IOperationsStore>();

    [Fact]
    public async Task EverySessionIsRecordedWithTheClientsAddressBuildAndPlatformItsGatewayItsCharactersAndHowItEnded()
    {
        var options = new MmoClientOptions { ClientName = "RecordTest/1.2", ClientBuild = 42, ClientPlatform = "Linux" };
        var username = GameCluster.UniqueName("rec");
        const string password = WorldPlayer.Password;
        string name;
        string gatewayId;
        await using (var first = await cluster.ConnectAsync(options))
        {
            gatewayId = first.Hello!.GatewayId;
            await first.RegisterAsync(username, password);
            await first.LoginAsync(username, password);
            name = "Rec" + Guid.NewGuid().ToString("N")[..8];
            var character = await first.CreateCharacterAsync(name);
            await first.EnterWorldAsync(character.CharacterId);
            await first.LogoutAsync();
            await first.LoginAsync(username, password);
        }

        var accountId = await AccountIdAsync(username);
        await Await.Until(async () => (await Records.SessionsOfAccountAsync(accountId, 10)).All(s => s.EndedAt is not null),
            "both sessions to be closed");
        var sessions = await Records.SessionsOfAccountAsync(accountId, 10);

        Assert.Equal(2, sessions.Count);
        var (latest, earlier) = (sessions[0], sessions[1]);
        Assert.Equal(("disconnect", "logout"), (latest.EndReason, earlier.EndReason));
        Assert.All(sessions, s =>
        {
            Assert.Equal(("RecordTest/1.2", 42, "linux"), (s.Start.ClientName, s.Start.ClientBuild, s.Start.ClientPlatform));
            Assert.Equal(("127.0.0.1", gatewayId), (s.Start.RemoteAddress, s.Start.GatewayId));
        });
        var played = Assert.Single(earlier.Characters);
        Assert.Equal(("alpha", name), (played.WorldId, played.CharacterName));
        Assert.NotNull(played.LeftAt);
        Assert.Empty(latest.Characters);

        // Play time is the sum of the sessions, exactly.
        var playTime = await Records.PlayTimeAsync(accountId, DateTimeOffset.UtcNow);
        Assert.Equal(sessions.Sum(s => (s.EndedAt!.Value - s.Start.StartedAt).Ticks), playTime.Total.Ticks);
        Assert.Equal((2, false), (playTime.Sessions, playTime.Online));
    }

    [Fact]
    public async Task TheOpenSessionsOfAGatewayThatStopsHeartbeatingAreClosedAtItsLastHeartbeat()
    {
        var registry = cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key);
        var observer = cluster.Gateway.Services.GetRequiredService<GatewayIdentity>().Observer;
        var instance = Guid.NewGuid().ToString("N");
        var registration = new GatewayRegistration("doomed-" + instance[..6], observer, "127.0.0.1", 1, 1, 1, false, DateTimeOffset.UtcNow, instance);
        var session = await OpenSessionAsync(instance, DateTimeOffset.UtcNow.AddMinutes(-3));

        await registry.Heartbeat(registration);
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // two heartbeats apart, as a live gateway would send them
        var beforeLastBeat = DateTimeOffset.UtcNow;
        await registry.Heartbeat(registration);
        var afterLastBeat = DateTimeOffset.UtcNow;

        await Await.Until(async () => (await Records.SessionsOfAccountAsync(session.AccountId, 1))[0].EndedAt is not null,
            "the dead gateway's session to be closed", TimeSpan.FromSeconds(20));
        var record = (await Records.SessionsOfAccountAsync(session.AccountId, 1))[0];
        Assert.Equal("gateway_lost", record.EndReason);
        // The registry stamps a heartbeat when it handles it, somewhere inside the call; the record keeps milliseconds.
        Assert.InRange(record.EndedAt!.Value, beforeLastBeat.AddMilliseconds(-1), afterLastBeat.AddMilliseconds(1));
    }

    [Fact]
    public async Task ASessionOfAGatewayThatDiedUnseenIsClosedAtItsLastSightingOnRecord()
    {
        var instance = Guid.NewGuid().ToString("N");
        var lastSeen = DateTimeOffset.UtcNow.AddSeconds(-30);
        await Records.RecordGatewaysSeenAsync([new GatewaySeen(instance, "vanished", lastSeen)]);
        var session = await OpenSessionAsync(instance, lastSeen.AddMinutes(-5));

        await Await.Until(async () => (await Records.SessionsOfAccountAsync(session.AccountId, 1))[0].EndedAt is not null,
            "the session of a gateway the registry never saw to be closed", TimeSpan.FromSeconds(20));
        var record = (await Records.SessionsOfAccountAsync(session.AccountId, 1))[0];
        Assert.Equal(("gateway_lost", lastSeen.ToUnixTimeMilliseconds()), (record.EndReason, record.EndedAt!.Value.ToUnixTimeMilliseconds()));
        Assert.Equal(TimeSpan.FromMinutes(5), (await Records.PlayTimeAsync(session.AccountId, DateTimeOffset.UtcNow)).Total);
    }

    private async Task<SessionStart> OpenSessionAsync(string gatewayInstance, DateTimeOffset startedAt)
    {
        var start = new SessionStart(Guid.NewGuid(), Guid.NewGuid(), "ghost", startedAt, "127.0.0.9", "test", 1, "test", "ghost-gateway",
            gatewayInstance, 1, Resumed: false);
        await Records.StartSessionAsync(start);
        return start;
    }

    private async Task<Guid> AccountIdAsync(string username)
    {
        using var admin = cluster.Api();
        var answer = await admin.GetAsync($"/api/accounts/{username}");
        return answer.Value.GetProperty("account").GetProperty("accountId").GetGuid();
    }
}
