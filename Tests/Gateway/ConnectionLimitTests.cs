using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// Each limit case gives the documented outcome to the offending connection, while a second,
/// well-behaved client on the same gateway keeps working.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class ConnectionLimitTests(GameCluster cluster)
{
    [Fact]
    public async Task AnOversizeLengthGetsFrameTooLargeThenClose()
    {
        await using var witness = await WitnessAsync();
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        var header = new byte[FrameHeader.Size];
        FrameHeader.Write(header, 64 * 1024 + 1, (ushort)Opcode.Hello, 1);
        await bad.SendAsync(header);

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Equal(ErrorCode.FrameTooLarge, frames[0].ErrorCode);
        Assert.Equal(DisconnectReason.ProtocolViolation, frames[1].DisconnectReason);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task ATruncatedFrameThenCloseEndsOnlyThatConnection()
    {
        await using var witness = await WitnessAsync();
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await bad.HelloAsync();
        var partial = RawGameSocket.Frame(Opcode.Ping, 2, new PingRequest { Echo = ByteString.CopyFrom(new byte[100]) })[..40];
        await bad.SendAsync(partial);
        bad.ShutdownSend();

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Empty(frames);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task GarbageBytesGetAnErrorThenClose()
    {
        await using var witness = await WitnessAsync();
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0xFF; // a length no gateway accepts
        await bad.SendAsync(garbage);

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Equal(ErrorCode.FrameTooLarge, frames[0].ErrorCode);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task NonZeroFlagsAreAMalformedFrame()
    {
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        var frame = RawGameSocket.Frame(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current });
        frame[7] = 0x01;
        await bad.SendAsync(frame);

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Equal(ErrorCode.MalformedFrame, frames[0].ErrorCode);
    }

    [Fact]
    public async Task AnUnknownOpcodeGetsAnErrorWithTheRequestIdThenClose()
    {
        await using var witness = await WitnessAsync();
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await bad.HelloAsync();
        await bad.SendAsync(RawGameSocket.Frame(0x3333, 77, null));

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Equal(ErrorCode.UnknownOpcode, frames[0].ErrorCode);
        Assert.Equal(77u, frames[0].RequestId);
        Assert.Equal(DisconnectReason.ProtocolViolation, frames[1].DisconnectReason);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task AnyFirstFrameButHelloIsRefusedThenClosed()
    {
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await bad.SendFrameAsync(Opcode.Ping, 5, new PingRequest());

        var frames = await bad.ReadUntilClosedAsync();

        Assert.Equal(ErrorCode.HandshakeRequired, frames[0].ErrorCode);
        Assert.Equal(5u, frames[0].RequestId);
    }

    [Fact]
    public async Task APayloadThatIsNotTheOpcodesMessageIsRefusedAndTheConnectionStays()
    {
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await bad.HelloAsync();
        var frame = RawGameSocket.Frame(Opcode.Login, 9, null);
        var withPayload = new byte[frame.Length + 8];
        frame.CopyTo(withPayload, 0);
        BinaryPrimitives.WriteUInt32BigEndian(withPayload, 8);
        withPayload.AsSpan(FrameHeader.Size).Fill(0xFF);
        await bad.SendAsync(withPayload);

        var reply = await bad.ReadFrameAsync();
        Assert.Equal(ErrorCode.InvalidPayload, reply!.ErrorCode);
        Assert.Equal(9u, reply.RequestId);

        await bad.SendFrameAsync(Opcode.Ping, 10, new PingRequest());
        var pong = await bad.ReadFrameAsync();
        Assert.Equal(Opcode.Ping.ResponseOf(), pong!.Opcode);
    }

    [Fact]
    public async Task ExceedingTheRequestRateIsRefusedAndHammeringCloses()
    {
        await using var witness = await WitnessAsync();
        await using var bad = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await bad.HelloAsync();

        // Burst 200 + strike limit 50: 400 pings in one write must trip both.
        var burst = new MemoryStream();
        for (uint i = 0; i < 400; i++)
        {
            burst.Write(RawGameSocket.Frame(Opcode.Ping, i + 2, new PingRequest()));
        }

        await bad.SendAsync(burst.ToArray());
        var frames = await bad.ReadUntilClosedAsync();

        var limited = frames.Where(f => f.ErrorCode == ErrorCode.RateLimited).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, f => Assert.True(ErrorResponse.Parser.ParseFrom(f.Payload).RetryAfterMs > 0));
        Assert.InRange(frames.Count(f => f.Opcode == Opcode.Ping.ResponseOf()), 150, 260);
        Assert.Equal(DisconnectReason.RateLimitAbuse, frames[^1].DisconnectReason);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task AClientThatKeepsSendingOverItsRateIsCutEvenWhenSomeRequestsGetThrough()
    {
        // 1,000/s with a burst of 10, and the attacker paces its batches of 30 by 5 ms: about 5 tokens come back
        // in between, so each batch starts with requests let through and there are never 50 refusals in a row.
        // A flood ignoring retry_after_ms, paced so (the abuse benchmark's register flood: ~260 refusals and 100
        // answers a second), was never cut before.
        var gateway = await cluster.StartGatewayAsync([("Gateway:RequestsPerSecond", "1000"), ("Gateway:RequestBurst", "10"), ("Gateway:RateLimitStrikes", "50")]);
        try
        {
            await using var bad = await RawGameSocket.ConnectAsync(GameCluster.GamePortOf(gateway));
            await bad.HelloAsync();
            var (let, refused, inARow, maxInARow, requestId) = (0, 0, 0, 0, 1u);
            DisconnectReason? cut = null;
            for (var batch = 0; batch < 40 && cut is null; batch++)
            {
                var bytes = new MemoryStream();
                for (var i = 0; i < 30; i++)
                {
                    bytes.Write(RawGameSocket.Frame(Opcode.Ping, ++requestId, new PingRequest()));
                }

                // The attack's own pace (the time that refills the bucket), not a wait for a condition.
                await Task.Delay(5);
                await bad.SendAsync(bytes.ToArray());
                for (var i = 0; i < 30 && cut is null; i++)
                {
                    var frame = await bad.ReadFrameAsync() ?? throw new InvalidOperationException("closed without a Disconnect notice");
                    if (frame.Opcode == (ushort)Opcode.Disconnect)
                    {
                        cut = frame.DisconnectReason;
                    }
                    else if (frame.ErrorCode == ErrorCode.RateLimited)
                    {
                        refused++;
                        maxInARow = Math.Max(maxInARow, ++inARow);
                    }
                    else
                    {
                        let++;
                        inARow = 0;
                    }
                }
            }

            Assert.Equal(DisconnectReason.RateLimitAbuse, cut);
            Assert.True(maxInARow < 50, $"the refusals came {maxInARow} in a row: the old rule would have cut too");
            Assert.True(let > 10, "requests were let through between the refusals");
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task TooManyRequestsInFlightAreRefused()
    {
        // Registrations wait for password hashing, so they pile up in flight; the limit is 32. The 32 are
        // hashed one after another before this unauthenticated connection may log in: on a loaded machine
        // that outlasts the default 10 s allowed for it.
        var gateway = await cluster.StartGatewayAsync([("Gateway:UnauthenticatedTimeout", "00:02:00")]);
        var port = GameCluster.GamePortOf(gateway);
        await using var witness = await WitnessAsync(port);
        await using var bad = await RawGameSocket.ConnectAsync(port);
        await bad.HelloAsync();

        var burst = new MemoryStream();
        for (uint i = 0; i < 40; i++)
        {
            burst.Write(RawGameSocket.Frame(Opcode.Register, i + 2, new RegisterRequest { Username = GameCluster.UniqueName("inflight"), Password = "password123" }));
        }

        await bad.SendAsync(burst.ToArray());
        var replies = new List<RawFrame>();
        for (var i = 0; i < 40; i++)
        {
            replies.Add((await bad.ReadFrameAsync())!);
        }

        var codes = string.Join(", ", replies.Select(f => f.IsError ? f.ErrorCode.ToString() : f.Opcode.ToString()));
        Assert.True(replies.Count(f => f.ErrorCode == ErrorCode.TooManyInFlight) == 8, codes);
        Assert.True(replies.Count(f => f.Opcode == Opcode.Register.ResponseOf()) == 32, codes);
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task AClientThatNeverReadsIsDisconnectedNotBuffered()
    {
        var gateway = await cluster.StartGatewayAsync([("Gateway:OutboundQueueCapacity", "16"), ("Gateway:MaxPingEchoBytes", "60000"), ("Gateway:RequestBurst", "1000"), ("Gateway:RequestsPerSecond", "1000")]);
        var port = GameCluster.GamePortOf(gateway);
        var registry = gateway.Services.GetRequiredService<SessionRegistry>();
        await using var witness = await WitnessAsync(port);

        await using var reader = await RawGameSocket.ConnectAsync(port, receiveBufferSize: 4096);
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

        await Await.Until(() => registry.Count == 1, "the gateway to drop the client that does not read");
        await Assert.ThrowsAnyAsync<Exception>(() => flood.WaitAsync(Await.Default));
        await AssertStillServes(witness);
    }

    [Fact]
    public async Task ConnectionsThatNeverLogInOrGoSilentAreClosedWithAReason()
    {
        // Two gateways: logging in (two password hashes) can take longer than one second on a loaded machine.
        var impatient = await cluster.StartGatewayAsync(
        [
            ("Gateway:UnauthenticatedTimeout", "00:00:01"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
        ]);
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:IdleTimeout", "00:00:02"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
        ]);
        var port = GameCluster.GamePortOf(gateway);

        await using var lurker = await cluster.ConnectAsync(new MmoClientOptions { AutomaticHeartbeat = false }, GameCluster.GamePortOf(impatient));
        var (silent, _, _) = await LoggedInAsync(port, new MmoClientOptions { AutomaticHeartbeat = false });
        await using var _ = silent;
        var (chatty, _, _) = await LoggedInAsync(port, new MmoClientOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(300) });
        await using var __ = chatty;

        var lurked = await Await.Within(lurker.Disconnected, "the unauthenticated timeout");
        Assert.Equal(DisconnectReason.AuthenticationTimeout, lurked.Reason);
        var idled = await Await.Within(silent.Disconnected, "the idle timeout");
        Assert.Equal(DisconnectReason.IdleTimeout, idled.Reason);
        Assert.True(chatty.IsConnected);
        await chatty.ListCharactersAsync();
    }

    [Fact]
    public async Task AStoppingGatewayTellsItsClientsWhoCanResumeElsewhere()
    {
        var gateway = await cluster.StartGatewayAsync();
        var (client, _, _) = await LoggedInAsync(GameCluster.GamePortOf(gateway));
        await using var _ = client;

        await gateway.StopAsync();

        var notice = await Await.Within(client.Disconnected, "the shutdown notice");
        Assert.Equal(DisconnectReason.ServerShutdown, notice.Reason);
        await using var resumed = await cluster.ConnectAsync();
        await resumed.ResumeSessionAsync(client.CurrentTicket!.Token);
    }

    private async Task<MmoClient> WitnessAsync(int? port = null)
    {
        var (client, _, _) = await LoggedInAsync(port ?? cluster.GamePort);
        return client;
    }

    private async Task<(MmoClient Client, string Username, string Password)> LoggedInAsync(int port, MmoClientOptions? options = null)
    {
        var username = GameCluster.UniqueName("w");
        const string password = "witness password";
        var client = await cluster.ConnectAsync(options, port);
        await client.RegisterAsync(username, password);
        await client.LoginAsync(username, password);
        return (client, username, password);
    }

    private static async Task AssertStillServes(MmoClient witness)
    {
        await witness.PingAsync();
        await witness.ListCharactersAsync();
        Assert.True(witness.IsConnected);
    }
}
