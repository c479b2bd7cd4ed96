using System.Net;
using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// One session layer, two carriers: the protocol's promises hold over TCP and over WebSocket alike, players on
/// either see each other, and what only a WebSocket can do wrong (text, oversized or split messages, a foreign
/// origin) is refused as a protocol violation.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class TransportTests(GameCluster cluster)
{
    public enum Transport
    {
        Tcp,
        WebSocket,
    }

    private const string Password = "correct horse battery";

    [Fact]
    public async Task APlayerOnTcpAndAPlayerOnWebSocketSeeEachOtherMoveAndChat()
    {
        await using var onTcp = await WorldPlayer.EnterAsync(cluster, "tcp");
        await using var onWebSocket = await WorldPlayer.EnterAsync(cluster, "wsk", () => cluster.ConnectWebSocketAsync());
        await onTcp.WaitToSeeAsync(onWebSocket.Name);
        await onWebSocket.WaitToSeeAsync(onTcp.Name);

        var start = onWebSocket.Entered.Arrival.Position;
        Assert.True((await onWebSocket.MoveAsync(start.X + 3, start.Y)).Accepted);
        await onTcp.WaitToSeeAsync(onWebSocket.Name, e => Math.Abs(e.X - (start.X + 3)) < 0.01);
        var back = onTcp.Entered.Arrival.Position;
        Assert.True((await onTcp.MoveAsync(back.X, back.Y + 2)).Accepted);
        await onWebSocket.WaitToSeeAsync(onTcp.Name, e => Math.Abs(e.Y - (back.Y + 2)) < 0.01);

        await onWebSocket.Client.SayAsync("over websocket");
        await onTcp.Client.SayAsync("over tcp");
        await onTcp.WaitForAsync(p => p.Chat().Any(c => c.Text == "over websocket" && c.FromName == onWebSocket.Name), "the WebSocket player's line over TCP");
        await onWebSocket.WaitForAsync(p => p.Chat().Any(c => c.Text == "over tcp" && c.FromName == onTcp.Name), "the TCP player's line over WebSocket");
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.WebSocket)]
    public async Task HandshakeRegistrationLoginAndCharactersWork(Transport transport)
    {
        await using var client = await ConnectAsync(transport);
        Assert.Equal(ProtocolVersion.Current, client.Hello!.ProtocolVersion);
        Assert.True(client.Hello.IdleTimeoutMs > 0);
        var username = GameCluster.UniqueName("hs");
        await client.RegisterAsync(username, Password);
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, "not the password"));
        Assert.Equal(ErrorCode.InvalidCredentials, refused.Code);
        var login = await client.LoginAsync(username, Password);
        Assert.NotEmpty(login.Ticket.Token);
        var character = await client.CreateCharacterAsync("h" + Guid.NewGuid().ToString("N")[..10]);
        Assert.Equal(character.CharacterId, Assert.Single(await client.ListCharactersAsync()).CharacterId);
        var notNow = await Assert.ThrowsAsync<MmoErrorException>(() => client.MoveAsync(1, 1));
        Assert.Equal(ErrorCode.NotAllowedInState, notNow.Code);
    }

    [Theory]
    [InlineData(Transport.Tcp, Transport.WebSocket)]
    [InlineData(Transport.WebSocket, Transport.Tcp)]
    public async Task ASessionResumesOnAnotherGatewayOverEitherTransport(Transport first, Transport then)
    {
        var other = await cluster.StartGatewayAsync();
        try
        {
            await using var client = await ConnectAsync(first);
            var username = GameCluster.UniqueName("rs");
            await client.RegisterAsync(username, Password);
            var login = await client.LoginAsync(username, Password);

            await using var resumed = await ConnectAsync(then, other);
            var session = await resumed.ResumeSessionAsync(login.Ticket.Token);
            Assert.Equal(login.AccountId, session.AccountId);
            Assert.NotEqual(login.Ticket.Token, session.Ticket.Token);
            // The first connection is kicked, whichever carrier it is on.
            var kicked = await Await.Within(client.Disconnected, "the older connection to be kicked");
            Assert.Equal(DisconnectReason.LoggedInElsewhere, kicked.Reason);
            Assert.Empty(await resumed.ListCharactersAsync());
        }
        finally
        {
            await cluster.StopGatewayAsync(other);
        }
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.WebSocket)]
    public async Task AnOversizeFrameHeaderGetsFrameTooLargeThenClose(Transport transport)
    {
        await using var client = await ConnectAsync(transport);
        var header = new byte[FrameHeader.Size];
        FrameHeader.Write(header, 10_000_000, (ushort)Opcode.Ping, 5);
        await client.SendRawAsync(header);
        var closed = await Await.Within(client.Disconnected, "the gateway to close after an oversize header");
        Assert.Equal(DisconnectReason.ProtocolViolation, closed.Reason);
        Assert.Equal(ErrorCode.FrameTooLarge, closed.LastError?.Code);
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.WebSocket)]
    public async Task TheRequestRateLimitAppliesAlike(Transport transport)
    {
        await using var client = await ConnectAsync(transport);
        // 230 pings at once: the bucket holds 200 (Hello took one), the rest are refused, not queued; fewer than the
        // 50 refusals in a row that would close the connection for abuse.
        var pings = Enumerable.Range(0, 230).Select(_ => client.PingAsync()).ToList();
        var outcomes = await Task.WhenAll(pings.Select(async p =>
        {
            try
            {
                await p;
                return ErrorCode.Unspecified;
            }
            catch (MmoErrorException ex)
            {
                return ex.Code;
            }
        }));
        Assert.Contains(ErrorCode.RateLimited, outcomes);
        // Every ping was answered: passed, refused by the rate limit, or by the in-flight limit. None was queued.
        Assert.All(outcomes, c => Assert.True(c is ErrorCode.Unspecified or ErrorCode.RateLimited or ErrorCode.TooManyInFlight, c.ToString()));
        Assert.True(client.IsConnected);
    }

    [Theory]
    [InlineData(Transport.Tcp)]
    [InlineData(Transport.WebSocket)]
    public async Task UnauthenticatedAndIdleConnectionsAreClosedWithAReason(Transport transport)
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:UnauthenticatedTimeout", "00:00:01"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
        ]);
        try
        {
            await using var lurker = await ConnectAsync(transport, gateway, new MmoClientOptions { AutomaticHeartbeat = false });
            var lurked = await Await.Within(lurker.Disconnected, "the unauthenticated timeout");
            Assert.Equal(DisconnectReason.AuthenticationTimeout, lurked.Reason);
            Assert.Equal(DisconnectKind.ServerNotice, lurked.Kind);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AWebSocketClientThatNeverReadsIsDisconnectedNotBuffered()
    {
        var gateway = await cluster.StartGatewayAsync([("Gateway:OutboundQueueCapacity", "16"), ("Gateway:MaxPingEchoBytes", "60000"), ("Gateway:RequestBurst", "1000"), ("Gateway:RequestsPerSecond", "1000")]);
        try
        {
            var registry = gateway.Services.GetRequiredService<SessionRegistry>();
            await using var witness = await cluster.ConnectWebSocketAsync(gateway: gateway);
            await using var reader = await RawWebSocket.ConnectAsync(cluster.WebSocketUri(gateway));
            await reader.HelloAsync();
            var ping = RawGameSocket.Frame(Opcode.Ping, 3, new PingRequest { Echo = ByteString.CopyFrom(new byte[60_000]) });
            var flood = Task.Run(async () =>
            {
                // Sends until the gateway cuts the connection; never reads a byte.
                for (var i = 0; i < 600; i++)
                {
                    await reader.SendAsync(ping);
                }
            });

            await Await.Until(() => registry.Count == 1, "the gateway to drop the WebSocket client that does not read");
            await Assert.ThrowsAnyAsync<Exception>(() => flood.WaitAsync(Await.Default));
            await witness.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task SeveralFramesInOneMessageAreAnsweredInOrder()
    {
        await using var socket = await RawWebSocket.ConnectAsync(cluster.WebSocketUri());
        // Hello and two pings in one message: a message may hold any number of whole frames.
        byte[] message =
        [
            .. RawGameSocket.Frame(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current }),
            .. RawGameSocket.Frame(Opcode.Ping, 2, new PingRequest()),
            .. RawGameSocket.Frame(Opcode.Ping, 3, new PingRequest()),
        ];
        await socket.SendAsync(message);
        var frames = await socket.ReadFramesAsync(3);
        Assert.Equal([1u, 2u, 3u], frames.Select(f => f.RequestId).Order());
        Assert.Equal(Opcode.Hello.ResponseOf(), frames.Single(f => f.RequestId == 1).Opcode);
        Assert.All(frames.Where(f => f.RequestId > 1), f => Assert.Equal(Opcode.Ping.ResponseOf(), f.Opcode));
    }

    [Fact]
    public async Task ATextMessageIsAProtocolViolation()
    {
        await using var socket = await RawWebSocket.ConnectAsync(cluster.WebSocketUri());
        await socket.HelloAsync();
        await socket.SendTextAsync("{\"hello\":1}");
        var frames = await socket.ReadFramesAsync();
        Assert.Equal(ErrorCode.MalformedFrame, frames[0].ErrorCode);
        Assert.Equal(0u, frames[0].RequestId);
        Assert.Equal(DisconnectReason.ProtocolViolation, frames[^1].DisconnectReason);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task AFrameSplitOverTwoMessagesIsAProtocolViolation()
    {
        await using var socket = await RawWebSocket.ConnectAsync(cluster.WebSocketUri());
        await socket.HelloAsync();
        var ping = RawGameSocket.Frame(Opcode.Ping, 2, new PingRequest { Echo = ByteString.CopyFromUtf8("split") });
        await socket.SendAsync(ping.AsMemory(0, 8));
        var frames = await socket.ReadFramesAsync();
        Assert.Equal(ErrorCode.MalformedFrame, frames[0].ErrorCode);
        Assert.Equal(DisconnectReason.ProtocolViolation, frames[^1].DisconnectReason);
    }

    [Fact]
    public async Task AMessageOverTheLimitIsAProtocolViolation()
    {
        var gateway = await cluster.StartGatewayAsync([("Gateway:MaxPayloadBytes", "1024"), ("Gateway:WebSocket:MaxMessageBytes", "2048")]);
        try
        {
            await using var socket = await RawWebSocket.ConnectAsync(cluster.WebSocketUri(gateway));
            await socket.HelloAsync();
            // Three frames, each within the frame limit, but 3 KB in one message.
            var ping = RawGameSocket.Frame(Opcode.Ping, 2, new PingRequest { Echo = ByteString.CopyFrom(new byte[1000]) });
            await socket.SendAsync(ping.Concat(ping).Concat(ping).ToArray());
            var frames = await socket.ReadFramesAsync();
            Assert.Equal(ErrorCode.FrameTooLarge, frames[0].ErrorCode);
            Assert.Equal(DisconnectReason.ProtocolViolation, frames[^1].DisconnectReason);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task BrowserOriginsAreCheckedAndOthersAllowed()
    {
        var gateway = await cluster.StartGatewayAsync([("Gateway:WebSocket:AllowedOrigins:0", "https://game.example.com")]);
        try
        {
            var uri = cluster.WebSocketUri(gateway);
            var refused = await Assert.ThrowsAsync<WebSocketException>(() => RawWebSocket.ConnectAsync(uri, origin: "https://evil.example.net"));
            Assert.Contains("403", refused.Message, StringComparison.Ordinal);
            await using var allowed = await RawWebSocket.ConnectAsync(uri, origin: "https://game.example.com");
            await allowed.HelloAsync();
            // The gateway's own page (same origin) and clients that are not browsers (no Origin) are always let in.
            await using var sameOrigin = await RawWebSocket.ConnectAsync(uri, origin: $"http://{uri.Authority}");
            await sameOrigin.HelloAsync();
            await using var noOrigin = await RawWebSocket.ConnectAsync(uri);
            await noOrigin.HelloAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task TheWebPortServesTheBrowserClientButNoAdminEndpoint()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.WebSocketUri().Port}") };
        var page = await http.GetStringAsync("/");
        Assert.Contains("mmo.js", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/mmo.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/admin/drain", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ws")).StatusCode);
    }

    [Fact]
    public async Task AStoppingGatewayTellsWebSocketClientsWhy()
    {
        var gateway = await cluster.StartGatewayAsync();
        await using var client = await cluster.ConnectWebSocketAsync(gateway: gateway);
        await cluster.StopGatewayAsync(gateway);
        var closed = await Await.Within(client.Disconnected, "the stopping gateway's notice");
        Assert.Equal(DisconnectReason.ServerShutdown, closed.Reason);
    }

    private Task<MmoClient> ConnectAsync(Transport transport, WebApplication? gateway = null, MmoClientOptions? options = null) =>
        transport == Transport.WebSocket
            ? cluster.ConnectWebSocketAsync(options, gateway)
            : cluster.ConnectAsync(options, GameCluster.GamePortOf(gateway ?? cluster.Gateway));
}
