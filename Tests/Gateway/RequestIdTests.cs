using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>What the gateway answers to request ids a client must not use, to a Hello it cannot read, and to Ping behind slow work.</summary>
[Trait("Category", "Cluster")]
[Collection(GameClusterCollection.Name)]
public class RequestIdTests(GameCluster cluster)
{
    [Fact]
    public async Task RequestIdZeroIsRefusedAndTheConnectionStaysUsable()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await socket.HelloAsync();

        await socket.SendAsync(Concat(RawGameSocket.Frame(Opcode.Ping, 0, new PingRequest()), RawGameSocket.Frame(Opcode.ListCharacters, 0, new ListCharactersRequest())));
        var first = (await socket.ReadFrameAsync())!;
        var second = (await socket.ReadFrameAsync())!;
        // Refused before anything else is judged: the ListCharacters would otherwise be NOT_ALLOWED_IN_STATE.
        Assert.Equal((ErrorCode.RequestIdInvalid, 0u), (first.ErrorCode, first.RequestId));
        Assert.Equal((ErrorCode.RequestIdInvalid, 0u), (second.ErrorCode, second.RequestId));

        await socket.SendFrameAsync(Opcode.Ping, 5, new PingRequest());
        var pong = (await socket.ReadFrameAsync())!;
        Assert.Equal((Opcode.Ping.ResponseOf(), 5u), (pong.Opcode, pong.RequestId));
    }

    [Fact]
    public async Task AnIdAlreadyAwaitingItsAnswerIsRefusedWithoutEffectAndTheFirstRequestIsStillAnswered()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await socket.HelloAsync();
        var first = GameCluster.UniqueName("dupa");
        var second = GameCluster.UniqueName("dupb");

        // Register waits for password hashing, so id 7 is still outstanding when the next two arrive.
        await socket.SendAsync(Concat(
            RawGameSocket.Frame(Opcode.Register, 7, new RegisterRequest { Username = first, Password = "password123" }),
            RawGameSocket.Frame(Opcode.Register, 7, new RegisterRequest { Username = second, Password = "password123" }),
            RawGameSocket.Frame(Opcode.Ping, 7, new PingRequest())));
        var frames = new List<RawFrame>();
        while (!frames.Any(f => f.Opcode == Opcode.Register.ResponseOf()))
        {
            frames.Add((await socket.ReadFrameAsync())!);
        }

        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Equal(7u, f.RequestId));
        Assert.Equal(ErrorCode.RequestIdInUse, frames[0].ErrorCode);
        Assert.Equal(ErrorCode.RequestIdInUse, frames[1].ErrorCode);
        Assert.Equal(Opcode.Register.ResponseOf(), frames[2].Opcode);

        // The refused Register did nothing: its name is still free. Id 7 is free again too.
        await socket.SendFrameAsync(Opcode.Register, 7, new RegisterRequest { Username = second, Password = "password123" });
        Assert.Equal(Opcode.Register.ResponseOf(), (await socket.ReadFrameAsync())!.Opcode);
    }

    [Fact]
    public async Task AHelloThatIsNotAHelloRequestEndsTheConnection()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort);
        var frame = new byte[FrameHeader.Size + 3];
        FrameHeader.Write(frame, 3, (ushort)Opcode.Hello, 9);
        frame[FrameHeader.Size] = 0xFF;
        frame[FrameHeader.Size + 1] = 0xFF;
        frame[FrameHeader.Size + 2] = 0xFF;
        await socket.SendAsync(frame);

        var frames = await socket.ReadUntilClosedAsync();
        Assert.Equal(2, frames.Count);
        Assert.Equal((ErrorCode.InvalidPayload, 9u), (frames[0].ErrorCode, frames[0].RequestId));
        Assert.Equal(DisconnectReason.ProtocolViolation, frames[1].DisconnectReason);
    }

    [Fact]
    public async Task UnknownOpcodeAndHandshakeRequiredEchoTheRequestId()
    {
        await using (var early = await RawGameSocket.ConnectAsync(cluster.GamePort))
        {
            await early.SendFrameAsync(Opcode.Ping, 77, new PingRequest());
            var frames = await early.ReadUntilClosedAsync();
            Assert.Equal((ErrorCode.HandshakeRequired, 77u), (frames[0].ErrorCode, frames[0].RequestId));
            Assert.Equal(DisconnectReason.ProtocolViolation, frames[^1].DisconnectReason);
        }

        await using var unknown = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await unknown.HelloAsync();
        await unknown.SendAsync(RawGameSocket.Frame(0x0999, 78, null));
        var answered = await unknown.ReadUntilClosedAsync();
        Assert.Equal((ErrorCode.UnknownOpcode, 78u), (answered[0].ErrorCode, answered[0].RequestId));
        Assert.Equal(DisconnectReason.ProtocolViolation, answered[^1].DisconnectReason);
    }

    [Fact]
    public async Task APingIsAnsweredAtOnceEvenBehindASlowRequest()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await socket.HelloAsync();
        await socket.SendAsync(Concat(
            RawGameSocket.Frame(Opcode.Register, 2, new RegisterRequest { Username = GameCluster.UniqueName("pingb"), Password = "password123" }),
            RawGameSocket.Frame(Opcode.Ping, 3, new PingRequest())));

        var first = (await socket.ReadFrameAsync())!;
        var second = (await socket.ReadFrameAsync())!;
        Assert.Equal((Opcode.Ping.ResponseOf(), 3u), (first.Opcode, first.RequestId));
        Assert.Equal((Opcode.Register.ResponseOf(), 2u), (second.Opcode, second.RequestId));
    }

    /// <summary>Frames back to back, to go out in one write.</summary>
    private static byte[] Concat(params byte[][] frames) => [.. frames.SelectMany(f => f)];
}
