using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Gateway.Sessions;
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

    /// <summary>50% of the slow-reader gateway's 256 KiB of queue.</summary>
    private const long DroppableMarkBytes = 131072;

    /// <summary>
    /// A gateway where a client that stops reading reaches the outbound queue quickly: kernel send buffers fixed
    /// small, 256 KiB of queue (pushes droppable past 128 KiB), pings big enough to fill it in a few requests.
    /// </summary>
    private Task<WebApplication> StartSlowReaderGatewayAsync() => cluster.StartGatewayAsync(
    [
        ("Gateway:SocketSendBufferBytes", "16384"),
        ("Gateway:OutboundQueueCapacity", "100000"),
        ("Gateway:OutboundQueueBytes", "262144"),
        ("Gateway:DroppablePushQueuePercent", "50"),
        ("Gateway:MaxPingEchoBytes", "16384"),
        ("Gateway:RequestBurst", "1000"),
        ("Gateway:RequestsPerSecond", "1000"),
    ]);

    /// <summary>
    /// Stops reading and sends 16 KiB pings until their answers fill the gateway's queue toward the client past the
    /// droppable mark (128 KiB), and short of the bound (256 KiB). One ping at a time: the kernel's buffers and the
    /// transport's pipe take an unknown share of the answers first (tens of KiB), so a fixed count would land
    /// below the mark on one run and over the bound on another.
    /// </summary>
    private static async Task StallAsync(WebApplication gateway, RawSession client)
    {
        var session = gateway.Services.GetRequiredService<SessionRegistry>().All.Single(s => s.Binding?.CharacterId == client.CharacterId);
        client.PauseReading();
        var echo = new PingRequest { Echo = ByteString.CopyFrom(new byte[16384]) };
        for (var i = 0; i < 40 && session.QueuedBytes <= DroppableMarkBytes; i++)
        {
            var read = session.FramesReceived;
            await client.SendRequestAsync(Opcode.Ping, echo);
            await Await.Until(() => session.FramesReceived > read, $"the gateway to read ping {i}");
        }

        Assert.InRange(session.QueuedBytes, DroppableMarkBytes + 1, 262144 - 1);
    }

    private int SlowReaderLogLines() => cluster.Logs.Entries.Count(e => e.Contains("reads too slowly", StringComparison.Ordinal));

    private int SlowConsumerCuts() => cluster.Logs.Entries.Count(e => e.Contains("SlowConsumer", StringComparison.Ordinal));

    [Fact]
    public async Task AReaderTooSlowForAChatFloodLosesLinesNotItsConnectionAndStillGetsWhispers()
    {
        var gateway = await StartSlowReaderGatewayAsync();
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var slow = await RawSession.EnterWorldAsync(port, "slow", receiveBufferSize: 4096);
            await using var speaker = await RawSession.EnterWorldAsync(port, "talk");
            var (before, cutsBefore) = (SlowReaderLogLines(), SlowConsumerCuts());
            await StallAsync(gateway, slow);

            // ZONE lines until the gateway says it lets the slow reader's go; each line is awaited at the speaker,
            // so the slow reader's copy was handled by then too. Before, every line was queued, and a longer flood cut it.
            // (ZONE, not WORLD: WORLD lines would spend the collection's cluster-wide channel budget, which
            // ChatAbuseTests measures; both are dropped alike, DroppablePushes.)
            var said = new List<string>();
            // At most 4 lines: with the whisper after them, the speaker stays within its chat burst (5).
            for (var i = 0; i < 4 && SlowReaderLogLines() == before; i++)
            {
                var line = $"flood {i} {Guid.NewGuid():N}";
                said.Add(line);
                await speaker.ExpectAsync<ChatResponse>(Opcode.Chat, new ChatRequest { Channel = ChatChannel.Zone, Text = line });
                await speaker.WaitForAsync(_ => speaker.Chat().Any(c => c.Text == line), $"the speaker's own ZONE line {i}");
            }

            Assert.True(SlowReaderLogLines() > before, "the gateway drops ZONE lines toward a client over the droppable mark");
            // A whisper is not chatter: its sender is told it arrived, so it is queued, not dropped.
            await speaker.ExpectAsync<ChatResponse>(Opcode.Chat, new ChatRequest { Channel = ChatChannel.Whisper, Text = "still there?", ToName = slow.CharacterName });
            Assert.Equal(cutsBefore, SlowConsumerCuts());

            slow.ResumeReading();
            await slow.WaitForAsync(_ => slow.Chat().Any(c => c.Channel == ChatChannel.Whisper && c.Text == "still there?"), "the whisper, after the queued ping answers");
            Assert.Contains(said, line => !slow.Chat().Any(c => c.Text == line));
            // Caught up: the connection works and new lines arrive again.
            await slow.ExpectAsync<PingResponse>(Opcode.Ping, new PingRequest());
            await speaker.ExpectAsync<ChatResponse>(Opcode.Chat, new ChatRequest { Channel = ChatChannel.Zone, Text = "after the flood" });
            await slow.WaitForAsync(_ => slow.Chat().Any(c => c.Text == "after the flood"), "a ZONE line once the client reads again");
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AWorldUpdateDroppedForASlowReaderIsFollowedByTheWholeViewNotADisconnect()
    {
        var gateway = await StartSlowReaderGatewayAsync();
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var slow = await RawSession.EnterWorldAsync(port, "slow", receiveBufferSize: 4096);
            await using var mover = await RawSession.EnterWorldAsync(port, "move");
            var (before, cutsBefore) = (SlowReaderLogLines(), SlowConsumerCuts());
            await StallAsync(gateway, slow);
            var framesBefore = slow.Frames().Count;

            // The mover, in the slow reader's view, moves until an update toward the slow reader is let go.
            var step = 0;
            await Await.Until(async () =>
            {
                step++;
                await mover.ExpectAsync<MoveResponse>(Opcode.Move, RawSession.Move(50 + (step % 2 * 0.02f), 50));
                return SlowReaderLogLines() > before;
            }, "the gateway to drop a world update toward the slow reader", interval: TimeSpan.FromMilliseconds(50));
            Assert.Equal(cutsBefore, SlowConsumerCuts());

            // Reading again, it gets (after the queued ping answers) an update that replaces its whole picture:
            // the zone heard of the drop from the gateway's receipt. Before, it was cut off (SLOW_CONSUMER) or, with
            // the update silently gone, kept a stale picture for good.
            slow.ResumeReading();
            await slow.WaitForAsync(frames => frames.Skip(framesBefore).Any(f => f.Opcode == (ushort)Opcode.WorldUpdate && WorldUpdate.Parser.ParseFrom(f.Payload).Full),
                "a full WorldUpdate after the dropped one");
            await slow.ExpectAsync<PingResponse>(Opcode.Ping, new PingRequest());
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
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
