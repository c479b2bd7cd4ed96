using Google.Protobuf;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Attacks on the gateway's memory and connection slots, through real sockets (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class ResourceAbuseTests(FrontDoorCluster cluster)
{
    [Fact]
    public async Task APingEchoOverTheCapIsRefusedAndNotEchoed()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort);
        await socket.HelloAsync();
        await socket.SendFrameAsync(Opcode.Ping, 2, new PingRequest { Echo = ByteString.CopyFrom(new byte[1024]) });
        await socket.SendFrameAsync(Opcode.Ping, 3, new PingRequest { Echo = ByteString.CopyFrom(new byte[1025]) });

        var atTheCap = (await socket.ReadFrameAsync())!;
        var overTheCap = (await socket.ReadFrameAsync())!;

        Assert.Equal(1024, PingResponse.Parser.ParseFrom(atTheCap.Payload).Echo.Length);
        Assert.Equal(ErrorCode.PingEchoTooLarge, overTheCap.ErrorCode);
        Assert.Equal(3u, overTheCap.RequestId);
        Assert.True(overTheCap.Payload.Length < 200, "the refusal carries the echo back");
    }

    [Fact]
    public async Task AClientThatNeverReadsIsCutAtTheByteBoundLongBeforeTheFrameBound()
    {
        // The frame bound out of reach (100,000 frames of 60 KB would be 6 GB): only the byte bound can cut.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:OutboundQueueCapacity", "100000"),
            ("Gateway:OutboundQueueBytes", "262144"),
            ("Gateway:MaxPingEchoBytes", "60000"),
            ("Gateway:RequestBurst", "1000"),
            ("Gateway:RequestsPerSecond", "1000"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var witness = await cluster.ConnectAsync(port: port);
            await using var reader = await RawGameSocket.ConnectAsync(port, receiveBufferSize: 4096);
            await reader.HelloAsync();
            var ping = RawGameSocket.Frame(Opcode.Ping, 3, new PingRequest { Echo = ByteString.CopyFrom(new byte[60_000]) });
            var flood = Task.Run(async () =>
            {
                // 36 MB of echoes, far more than the sockets' buffers hold; never reads a byte.
                for (var i = 0; i < 600; i++)
                {
                    await reader.SendAsync(ping);
                }
            });

            await Await.Until(() => cluster.Logs.Entries.Any(e => e.Contains("outbound queue bytes over the bound", StringComparison.Ordinal)),
                "the gateway to cut the client that does not read, by its queued bytes");
            await Assert.ThrowsAnyAsync<Exception>(() => flood.WaitAsync(Await.Default));
            await witness.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }
}
