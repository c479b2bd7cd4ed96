using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Firefly;
using OrleansMmo.Gateway.Hosting;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// The Firefly door: the source documents' client packets, byte for byte, onto the same session layer and grains.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class FireflyDoorTests(GameCluster cluster)
{
    private const string AdminKey = "firefly-tests-admin-key";

    /// <summary>The documents' example, in Python notation:
    /// <c>'N%&amp;0\t\x00\x00\x00\x00\x00\x00\x00.\x00\x00\x00e{"password":"chenee","username":"chenee"}\n'</c>.</summary>
    private static readonly byte[] DocumentsLoginPacket =
    [
        (byte)'N', (byte)'%', (byte)'&', (byte)'0', (byte)'\t',
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, (byte)'.',
        0x00, 0x00, 0x00, (byte)'e',
        .. "{\"password\":\"chenee\",\"username\":\"chenee\"}\n"u8,
    ];

    [Fact]
    public async Task TheDocumentsExactLoginPacketLogsInAnImportedSixCharacterPasswordAccount()
    {
        var gateway = await StartDoorAsync();
        try
        {
            // New accounts still need 8 characters; an account brought over from Firefly keeps its password.
            await using (var client = await cluster.ConnectAsync(port: GameCluster.GamePortOf(gateway)))
            {
                var refused = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync("chenee2", "chenee"));
                Assert.Equal(ErrorCode.PasswordInvalid, refused.Code);
            }

            var imported = await ImportAsync(gateway, ("chenee", "chenee"));
            var accountId = imported.GetProperty("results")[0].GetProperty("accountId").GetString();
            Assert.Equal(1, imported.GetProperty("imported").GetInt32());

            await using var firefly = await FireflySocket.ConnectAsync(FireflyPort(gateway));
            await firefly.SendRawAsync(DocumentsLoginPacket);
            var answer = await firefly.ReadAsync() ?? throw new InvalidOperationException("the door closed");
            Assert.Equal(101u, answer.Command);
            Assert.True(answer.Body.GetProperty("result").GetBoolean(), FireflySocket.Text(answer.Body));
            var data = answer.Body.GetProperty("data");
            Assert.Equal(accountId, data.GetProperty("userId").GetString());
            Assert.False(data.GetProperty("hasRole").GetBoolean());
            Assert.Equal(JsonValueKind.Null, data.GetProperty("characterId").ValueKind);

            // The same account over the game port, with the same legacy password.
            await using var native = await cluster.ConnectAsync(port: GameCluster.GamePortOf(gateway));
            Assert.Equal(accountId, (await native.LoginAsync("chenee", "chenee")).AccountId);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AFireflyClientLogsInCreatesEntersAndSeesAnotherPlayerMoveAndChat()
    {
        var gateway = await StartDoorAsync();
        try
        {
            var username = GameCluster.UniqueName("ff");
            await using (var registrar = await cluster.ConnectAsync(port: GameCluster.GamePortOf(gateway)))
            {
                await registrar.RegisterAsync(username, WorldPlayer.Password);
            }

            await using var firefly = await FireflySocket.ConnectAsync(FireflyPort(gateway));
            var login = await firefly.CallAsync(FireflyJson.Login, new { username, password = WorldPlayer.Password });
            Assert.True(login.GetProperty("result").GetBoolean(), FireflySocket.Text(login));
            var name = "ff" + Guid.NewGuid().ToString("N")[..10];
            var created = await firefly.CallAsync(FireflyJson.CreateCharacter, new { name });
            Assert.Equal(name, created.GetProperty("data").GetProperty("name").GetString());
            var entered = await firefly.CallAsync(FireflyJson.EnterWorld, new { characterId = created.GetProperty("data").GetProperty("characterId").GetString() });
            Assert.True(entered.GetProperty("result").GetBoolean(), FireflySocket.Text(entered));
            var spawn = (X: entered.GetProperty("data").GetProperty("x").GetSingle(), Y: entered.GetProperty("data").GetProperty("y").GetSingle());

            await using var other = await WorldPlayer.EnterAsync(cluster, "ffo", GameCluster.GamePortOf(gateway));
            var seen = await firefly.ReadUntilAsync(
                p => p.Command == FireflyJson.WorldUpdatePush && p.Body.GetProperty("entered").EnumerateArray().Any(e => e.GetProperty("name").GetString() == other.Name),
                "the other player entering the Firefly client's view");
            var otherId = seen.Body.GetProperty("entered").EnumerateArray().Single(e => e.GetProperty("name").GetString() == other.Name).GetProperty("id").GetUInt32();

            var start = other.Entered.Arrival.Position;
            Assert.True((await other.MoveAsync(start.X + 2, start.Y)).Accepted);
            await firefly.ReadUntilAsync(
                p => p.Command == FireflyJson.WorldUpdatePush && p.Body.GetProperty("moved").EnumerateArray().Any(m => m.GetProperty("id").GetUInt32() == otherId && Math.Abs(m.GetProperty("x").GetSingle() - (start.X + 2)) < 0.01),
                "the other player's move");

            // And back: the Firefly client moves and speaks; the native client sees and hears it.
            var pushes = new List<(uint, JsonElement)>();
            var moved = await firefly.CallAsync(FireflyJson.Move, new { x = spawn.X + 1, y = spawn.Y + 1 }, pushes);
            Assert.True(moved.GetProperty("data").GetProperty("accepted").GetBoolean(), FireflySocket.Text(moved));
            await other.WaitToSeeAsync(name, e => Math.Abs(e.X - (spawn.X + 1)) < 0.01);
            var said = await firefly.CallAsync(FireflyJson.Chat, new { channel = "say", text = "hello from firefly" }, pushes);
            Assert.True(said.GetProperty("result").GetBoolean(), FireflySocket.Text(said));
            await other.WaitForAsync(p => p.Chat().Any(c => c.Text == "hello from firefly" && c.FromName == name), "the Firefly client's line");
            await other.Client.SayAsync("hello firefly");
            await firefly.ReadUntilAsync(p => p.Command == FireflyJson.ChatPush && p.Body.GetProperty("text").GetString() == "hello firefly", "the native client's line at the Firefly client");
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task ErrorsAreAnsweredAsFailuresAndABadPacketDropsOnlyThatClient()
    {
        var gateway = await StartDoorAsync();
        try
        {
            await using var firefly = await FireflySocket.ConnectAsync(FireflyPort(gateway));
            var wrong = await firefly.CallAsync(FireflyJson.Login, new { username = "nobody-here", password = "whatever123" });
            Assert.False(wrong.GetProperty("result").GetBoolean());
            Assert.Equal("INVALID_CREDENTIALS", wrong.GetProperty("message").GetString());
            Assert.Equal((int)ErrorCode.InvalidCredentials, wrong.GetProperty("code").GetInt32());
            var unknown = await firefly.CallAsync(999, new { });
            Assert.Equal("UNKNOWN_OPCODE", unknown.GetProperty("message").GetString());
            var early = await firefly.CallAsync(FireflyJson.Move, new { x = 1, y = 1 });
            Assert.Equal("NOT_ALLOWED_IN_STATE", early.GetProperty("message").GetString());

            await using var bad = await FireflySocket.ConnectAsync(FireflyPort(gateway));
            await bad.SendRawAsync([.. "XXXX"u8, 9, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 101, (byte)'{', (byte)'}']);
            Assert.Null(await bad.ReadAsync());
            Assert.Equal("NOT_ALLOWED_IN_STATE", (await firefly.CallAsync(FireflyJson.Move, new { x = 1, y = 1 })).GetProperty("message").GetString());
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    private Task<WebApplication> StartDoorAsync() =>
        cluster.StartGatewayAsync([("Gateway:Firefly:Port", "0"), ("Admin:Key", AdminKey)]);

    private static int FireflyPort(WebApplication gateway) => gateway.Services.GetRequiredService<GatewayEndpoints>().FireflyPort;

    private static async Task<JsonElement> ImportAsync(WebApplication gateway, params (string Username, string Password)[] accounts)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(gateway)}") };
        http.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var response = await http.PostAsJsonAsync("/admin/accounts/import", new { accounts = accounts.Select(a => new { username = a.Username, password = a.Password }) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
