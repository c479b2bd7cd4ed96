using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Operator actions from the game: a GM-role character's GM requests, checked against its account's role.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class GmRequestTests(OperationsCluster cluster)
{
    [Fact]
    public async Task AnAdminMakesAnAccountAGameMasterWhoKicksAPlayerFromTheGameButCannotGrantGold()
    {
        await using var gm = await WorldPlayer.EnterAsync(cluster, "gm");
        await using var victim = await WorldPlayer.EnterAsync(cluster, "vic");
        using var admin = cluster.Api();
        Assert.Equal(200, (await admin.PutAsync($"/api/accounts/{gm.Username}/role", new { role = "game_master" })).Status);

        var lookUp = await gm.Client.GmAsync(new GmRequest { Action = GmAction.LookUp, Target = victim.Name });
        var grant = await gm.Client.GmAsync(new GmRequest { Action = GmAction.Grant, Target = victim.Name, Gold = 1000 });
        var kick = await gm.Client.GmAsync(new GmRequest { Action = GmAction.Kick, Target = victim.Name, Reason = "from the game" });

        Assert.Equal(GmOutcome.Ok, lookUp.Outcome);
        Assert.Equal((victim.Username, "plains", true), (lookUp.Player.Username, lookUp.Player.ZoneId, lookUp.Player.Online));
        Assert.Equal(GmOutcome.Forbidden, grant.Outcome);
        Assert.Equal(GmOutcome.Ok, kick.Outcome);
        Assert.Equal(DisconnectReason.KickedByAdmin, (await Await.Within(victim.Client.Disconnected, "the GM's kick")).Reason);

        var audit = await admin.GetAsync($"/api/audit?operator=account:{gm.Username}");
        var entries = audit.Value.EnumerateArray().ToList();
        var kicked = Assert.Single(entries, e => e.GetProperty("action").GetString() == "kick");
        Assert.Equal(("game", "127.0.0.1", "ok"), (kicked.GetProperty("channel").GetString(), kicked.GetProperty("source").GetString(), kicked.GetProperty("result").GetString()));
        Assert.StartsWith("forbidden", Assert.Single(entries, e => e.GetProperty("action").GetString() == "grant").GetProperty("result").GetString());
    }

    [Fact]
    public async Task APlayersGmRequestIsRefusedAndRecorded()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "pgm");
        await using var victim = await WorldPlayer.EnterAsync(cluster, "pvic");

        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => player.Client.GmAsync(new GmRequest { Action = GmAction.Kick, Target = victim.Name }));

        Assert.Equal(ErrorCode.Forbidden, refused.Code);
        Assert.True(victim.Client.IsConnected);
        using var admin = cluster.Api();
        var audit = await admin.GetAsync($"/api/audit?operator=account:{player.Username}");
        Assert.StartsWith("forbidden", Assert.Single(audit.Value.EnumerateArray()).GetProperty("result").GetString());
    }
}
