using System.Net;
using System.Text.Json;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Operator actions over the silo's HTTP API: keys and roles, each action's effect on real clients, and the audit log.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class OperatorApiTests(OperationsCluster cluster)
{
    private const string World = "alpha";

    [Fact]
    public async Task AMissingOrWrongKeyIsRefusedAndTheKeyTellsWhoAndWhatRole()
    {
        using var none = cluster.Api(key: null);
        using var wrong = cluster.Api("not-a-key-of-this-cluster");
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        Assert.Equal(401, (await none.GetAsync("/api/whoami")).Status);
        Assert.Equal(401, (await wrong.GetAsync("/api/online")).Status);
        var me = await gm.GetAsync("/api/whoami");
        Assert.Equal(200, me.Status);
        Assert.Equal("key:ops-gm", me.Json.GetProperty("name").GetString());
        Assert.Equal("game_master", me.Json.GetProperty("role").GetString());
    }

    [Fact]
    public async Task AGameMasterKeyCannotDoAdminThingsAndTheRefusalIsAudited()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "gmk");
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        var grant = await gm.PostAsync($"/api/characters/{World}/{player.Name}/grant", new { itemId = "bread", count = 1 });
        var role = await gm.PutAsync($"/api/accounts/{player.Username}/role", new { role = "admin" });

        Assert.Equal((403, "forbidden"), (grant.Status, grant.Outcome));
        Assert.Equal(403, role.Status);
        Assert.Equal(100ul, (await player.Client.GetPlayerAsync()).Gold);
        var audit = await AuditOfAsync($"character:{World}/{player.Name.ToLowerInvariant()}");
        var entry = Assert.Single(audit, e => e.GetProperty("action").GetString() == "grant");
        Assert.Equal("key:ops-gm", entry.GetProperty("operator").GetString());
        Assert.StartsWith("forbidden:", entry.GetProperty("result").GetString());
    }

    [Fact]
    public async Task AKickedPlayerIsDisconnectedCannotResumeAndTheKickIsAudited()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "kick");
        var ticket = player.Client.CurrentTicket!.Token;
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        var kick = await gm.PostAsync($"/api/characters/{World}/{player.Name}/kick", new { reason = "testing kicks" });

        Assert.Equal((200, "ok"), (kick.Status, kick.Outcome));
        var notice = await Await.Within(player.Client.Disconnected, "the kick to close the connection");
        Assert.Equal(DisconnectReason.KickedByAdmin, notice.Reason);
        await using var again = await cluster.ConnectAsync();
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => again.ResumeSessionAsync(ticket));
        Assert.Equal(ErrorCode.TicketInvalid, refused.Code);

        var entry = Assert.Single(await AuditOfAsync($"character:{World}/{player.Name.ToLowerInvariant()}"), e => e.GetProperty("action").GetString() == "kick");
        Assert.Equal("ok", entry.GetProperty("result").GetString());
        Assert.Contains("testing kicks", entry.GetProperty("details").GetString());
        // The session's record ends with the reason the gateway saw.
        await Await.Until(async () => (await SessionsOfAsync(player.Username)).Any(s => s.GetProperty("endReason").GetString() == "kick"),
            "the kicked session's record to end with reason kick");
    }

    [Fact]
    public async Task ABannedAccountIsKickedAndToldUntilWhenItsBanEndsAndCanPlayOnceUnbanned()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "ban");
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);
        var before = DateTimeOffset.UtcNow;

        var ban = await gm.PostAsync($"/api/accounts/{player.Username}/ban", new { minutes = 60, reason = "botting" });

        Assert.Equal(200, ban.Status);
        Assert.Equal(DisconnectReason.KickedByAdmin, (await Await.Within(player.Client.Disconnected, "the banned account's kick")).Reason);
        await using var client = await cluster.ConnectAsync();
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(player.Username, WorldPlayer.Password));
        Assert.Equal(ErrorCode.AccountBanned, refused.Code);
        var until = DateTimeOffset.FromUnixTimeMilliseconds(refused.UntilMs);
        Assert.InRange(until, before.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));

        // A wrong password learns nothing of the ban.
        var guess = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(player.Username, "wrong password here"));
        Assert.Equal(ErrorCode.InvalidCredentials, guess.Code);

        Assert.Equal(200, (await gm.PostAsync($"/api/accounts/{player.Username}/unban")).Status);
        await client.LoginAsync(player.Username, WorldPlayer.Password);
    }

    [Fact]
    public async Task AnAddressBanRefusesLoginsFromItsRangeClosesItsConnectionsAndSparesOthers()
    {
        // Clients of this test connect from 127.0.0.2; every other test's clients come from 127.0.0.1.
        var banned = new MmoClientOptions { ClientName = "tests", LocalAddress = IPAddress.Parse("127.0.0.2") };
        await using var player = await WorldPlayer.EnterAsync(cluster, "addr", options: banned);
        await using var bystander = await WorldPlayer.EnterAsync(cluster, "bys");
        using var admin = cluster.Api();
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        Assert.Equal(403, (await gm.PostAsync("/api/bans/addresses", new { cidr = "127.0.0.2/32", minutes = 5 })).Status);
        var ban = await admin.PostAsync("/api/bans/addresses", new { cidr = "127.0.0.2", minutes = 5, reason = "abuse" });
        try
        {
            Assert.Equal(200, ban.Status);
            Assert.Equal(DisconnectReason.KickedByAdmin, (await Await.Within(player.Client.Disconnected, "the banned address's connection to close")).Reason);
            await using var again = await cluster.ConnectAsync(banned);
            var refused = await Assert.ThrowsAsync<MmoErrorException>(() => again.LoginAsync(player.Username, WorldPlayer.Password));
            Assert.Equal(ErrorCode.AccountBanned, refused.Code);
            Assert.True(refused.UntilMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.True(bystander.Client.IsConnected);
            await bystander.Client.PingAsync();
            var list = await admin.GetAsync("/api/bans/addresses");
            Assert.Contains(list.Value.EnumerateArray(), b => b.GetProperty("cidr").GetString() == "127.0.0.2/32");
        }
        finally
        {
            Assert.Equal(200, (await admin.DeleteAsync("/api/bans/addresses?cidr=127.0.0.2/32")).Status);
        }

        await using var welcome = await cluster.ConnectAsync(banned);
        await welcome.LoginAsync(player.Username, WorldPlayer.Password);
    }

    [Fact]
    public async Task AMutedCharacterIsToldUntilWhenAndChatsAgainOnceUnmuted()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "mute");
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        Assert.Equal(200, (await gm.PostAsync($"/api/characters/{World}/{player.Name}/mute", new { minutes = 10, reason = "spam" })).Status);

        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => player.Client.SayAsync("hello?"));
        Assert.Equal(ErrorCode.ChatMuted, refused.Code);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(refused.UntilMs), DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal(200, (await gm.PostAsync($"/api/characters/{World}/{player.Name}/unmute")).Status);
        await player.Client.SayAsync("back again");
    }

    [Fact]
    public async Task ATeleportedCharacterIsMovedAndItsClientIsToldBeforeItsNewViewArrives()
    {
        await using var traveller = await WorldPlayer.EnterAsync(cluster, "tele");
        await using var host = await WorldPlayer.EnterAsync(cluster, "host");
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);
        // The host walks to the hills first, through the portal next to the spawn point.
        Assert.NotNull((await host.MoveAsync(1610, 1500)).ZoneChanged);

        var invalid = await gm.PostAsync($"/api/characters/{World}/{traveller.Name}/teleport", new { zone = "hills", x = 5000f, y = 5f });
        var moved = await gm.PostAsync($"/api/characters/{World}/{traveller.Name}/teleport", new { toCharacter = host.Name });

        Assert.Equal((400, "invalid"), (invalid.Status, invalid.Outcome));
        Assert.Equal(200, moved.Status);
        Assert.Equal("hills", moved.Value.GetProperty("zoneId").GetString());
        await traveller.WaitForAsync(p => p.Teleports().Count == 1, "the Teleported push");
        Assert.Equal("hills", traveller.Teleports()[0].Arrival.Zone.ZoneId);
        // The view was reset before the hills' first update, so the host shows up in it.
        await traveller.WaitToSeeAsync(host.Name);
        var state = await traveller.Client.GetPlayerAsync();
        Assert.Equal(("hills", 100f, 100f), (state.ZoneId, state.Position.X, state.Position.Y));
        // Moving on from the new place is accepted: the movement budget starts there.
        Assert.True((await traveller.MoveAsync(101, 101)).Accepted);
    }

    [Fact]
    public async Task GrantsAndRemovalsChangeItemsAndGoldAllOrNothing()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "grant");
        using var admin = cluster.Api();
        var path = $"/api/characters/{World}/{player.Name}/grant";

        var given = await admin.PostAsync(path, new { itemId = "ore-copper", count = 150, gold = 25, reason = "event prize" });
        var tooMuch = await admin.PostAsync(path, new { itemId = "bread", count = -6, gold = 10 });
        var unknown = await admin.PostAsync(path, new { itemId = "dragon-egg", count = 1 });
        var taken = await admin.PostAsync(path, new { itemId = "ore-copper", count = -100, gold = -125 });

        Assert.Equal(200, given.Status);
        Assert.Equal((400, 400), (tooMuch.Status, unknown.Status));
        Assert.Contains("holds 5", tooMuch.Json.GetProperty("message").GetString());
        Assert.Equal(200, taken.Status);
        var state = await player.Client.GetPlayerAsync();
        Assert.Equal(0ul, state.Gold);
        Assert.Equal(50u, state.Inventory.Where(s => s.ItemId == "ore-copper").Sum(s => s.Count));
        Assert.Equal(5u, state.Inventory.Where(s => s.ItemId == "bread").Sum(s => s.Count));
        Assert.All(state.Inventory, s => Assert.True(s.Count <= (s.ItemId == "ore-copper" ? 99 : 50)));
    }

    [Fact]
    public async Task ALookUpTellsWhereAPlayerIsWhereItPlaysFromAndItsPlayTime()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "look");
        await player.MoveAsync(1503, 1501);
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);

        var byCharacter = await gm.GetAsync($"/api/characters/{World}/{player.Name}");
        var byAccount = await gm.GetAsync($"/api/accounts/{player.Username}");
        var missing = await gm.GetAsync($"/api/characters/{World}/Nobody{Guid.NewGuid():N}"[..40]);

        Assert.Equal(200, byCharacter.Status);
        var character = byCharacter.Value.GetProperty("character");
        Assert.True(character.GetProperty("inWorld").GetBoolean());
        Assert.Equal((World, "plains"), (character.GetProperty("worldId").GetString(), character.GetProperty("zoneId").GetString()));
        Assert.Equal(1503f, character.GetProperty("position").GetProperty("x").GetSingle());
        Assert.Equal(player.Client.Hello!.GatewayId, character.GetProperty("gatewayId").GetString());
        var account = byAccount.Value.GetProperty("account");
        Assert.Equal(player.Username, account.GetProperty("username").GetString());
        Assert.True(account.GetProperty("lastLoginAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        var playTime = byAccount.Value.GetProperty("playTime");
        Assert.True(playTime.GetProperty("online").GetBoolean());
        Assert.True(TimeSpan.Parse(playTime.GetProperty("total").GetString()!) > TimeSpan.Zero);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task OnlinePlayersAreListedInPagesAndFoundByAPrefixOfTheirName()
    {
        var players = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                players.Add(await WorldPlayer.EnterAsync(cluster, "page"));
            }

            using var gm = cluster.Api(OperationsCluster.GameMasterKey);
            var names = players.Select(p => p.Name).ToHashSet();
            var first = await gm.GetAsync($"/api/online?world={World}&search={players[0].Name[..6]}&limit=2");
            var byName = await gm.GetAsync($"/api/online?search={players[1].Name}");
            var all = await gm.GetAsync($"/api/online?world={World}&limit=500");

            Assert.Equal(200, first.Status);
            Assert.True(first.Value.GetProperty("players").GetArrayLength() <= 2);
            var found = Assert.Single(byName.Value.GetProperty("players").EnumerateArray());
            Assert.Equal(players[1].Username, found.GetProperty("username").GetString());
            var listed = all.Value.GetProperty("players").EnumerateArray().Select(p => p.GetProperty("characterName").GetString()).ToHashSet();
            Assert.Superset(names!, listed!);
            Assert.True(all.Value.GetProperty("total").GetInt32() >= 3);
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TheAuditLogIsSearchedByTargetByOperatorByActionAndByTime()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "aud");
        using var admin = cluster.Api();
        using var gm = cluster.Api(OperationsCluster.GameMasterKey);
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        await gm.GetAsync($"/api/accounts/{player.Username}");
        await admin.PostAsync($"/api/characters/{World}/{player.Name}/grant", new { gold = 5 });
        var target = $"account:{player.Username}";

        var byTarget = await admin.GetAsync($"/api/audit?target={target}");
        var byOperator = await admin.GetAsync($"/api/audit?operator=key:ops-admin&action=grant&from={Uri.EscapeDataString(from.ToString("O"))}");
        var before = await admin.GetAsync($"/api/audit?target={target}&to={Uri.EscapeDataString(from.ToString("O"))}");

        var lookUp = Assert.Single(byTarget.Value.EnumerateArray());
        Assert.Equal(("look_up", "key:ops-gm", "ok", "api"), (lookUp.GetProperty("action").GetString(), lookUp.GetProperty("operator").GetString(),
            lookUp.GetProperty("result").GetString(), lookUp.GetProperty("channel").GetString()));
        Assert.Equal("127.0.0.1", lookUp.GetProperty("source").GetString());
        Assert.Contains(byOperator.Value.EnumerateArray(), e => e.GetProperty("target").GetString() == $"character:{World}/{player.Name.ToLowerInvariant()}");
        Assert.All(byOperator.Value.EnumerateArray(), e => Assert.Equal("grant", e.GetProperty("action").GetString()));
        Assert.Empty(before.Value.EnumerateArray());
    }

    private async Task<List<JsonElement>> AuditOfAsync(string target)
    {
        using var admin = cluster.Api();
        var answer = await admin.GetAsync($"/api/audit?target={Uri.EscapeDataString(target)}");
        Assert.Equal(200, answer.Status);
        return [.. answer.Value.EnumerateArray()];
    }

    private async Task<List<JsonElement>> SessionsOfAsync(string username)
    {
        using var admin = cluster.Api();
        var answer = await admin.GetAsync($"/api/accounts/{username}");
        return [.. answer.Value.GetProperty("recentSessions").EnumerateArray()];
    }
}
