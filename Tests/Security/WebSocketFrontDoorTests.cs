using Google.Protobuf;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// The front door's limits hold on the WebSocket carrier as on TCP (docs/security.md): both run through one
/// SessionHost, and these prove a browser-side attacker meets the same move cap, Hello timeout, per-address cap
/// and byte-bounded outbound queue.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class WebSocketFrontDoorTests(FrontDoorCluster cluster)
{
    [Fact]
    public async Task MovesOverTheMoveRateOnAWebSocketAreAnsweredMoveRateLimited()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "wsmv", () => cluster.ConnectWebSocketAsync());
        var here = player.Entered.Arrival.Position;
        // 100 moves in batches of 25: inside the general budget (burst 200) and the in-flight limit (32 at a time).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcomes = new List<ErrorCode>();
        for (var batch = 0; batch < 100; batch += 25)
        {
            outcomes.AddRange(await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
            {
                try
                {
                    await player.Client.MoveAsync(here.X, here.Y);
                    return ErrorCode.Unspecified;
                }
                catch (MmoErrorException ex)
                {
                    return ex.Code;
                }
            })));
        }

        // Defaults: burst 20, then 20/s while the moves took their turns.
        var allowed = 20 + (int)Math.Ceiling(20 * clock.Elapsed.TotalSeconds);
        var passed = outcomes.Count(c => c == ErrorCode.Unspecified);
        Assert.True(passed <= allowed, $"{passed} of 100 moves passed in {clock.Elapsed.TotalSeconds:F2} s; the cap allows {allowed}");
        Assert.Contains(ErrorCode.MoveRateLimited, outcomes);
        Assert.All(outcomes, c => Assert.True(c is ErrorCode.Unspecified or ErrorCode.MoveRateLimited, c.ToString()));
    }

    [Fact]
    public async Task AWebSocketThatNeverSaysHelloIsClosedAtTheHelloTimeout()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:HelloTimeout", "00:00:01"),
            ("Gateway:UnauthenticatedTimeout", "00:05:00"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
        ]);
        try
        {
            await using var silent = await RawWebSocket.ConnectAsync(cluster.WebSocketUri(gateway));
            var frames = await silent.ReadFramesAsync();
            Assert.Equal(DisconnectReason.AuthenticationTimeout, frames[^1].DisconnectReason);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task OneAddressHoldsAtMostItsCapOfWebSockets()
    {
        // Loopback not exempt here, so the test's own address is the flooder.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:MaxConnectionsPerAddress", "2"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var uri = cluster.WebSocketUri(gateway);
            await using var first = await RawWebSocket.ConnectAsync(uri);
            await first.HelloAsync();
            await using var second = await RawWebSocket.ConnectAsync(uri);
            await second.HelloAsync();

            await using var third = await RawWebSocket.ConnectAsync(uri);
            var frames = await third.ReadFramesAsync();
            Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AWebSocketThatNeverReadsIsCutAtTheByteBound()
    {
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
            static bool CutByBytes(string line) => line.Contains("outbound queue bytes over the bound", StringComparison.Ordinal);
            // The TCP twin of this test logs the same line into the shared cluster's logs: count only new ones.
            var before = cluster.Logs.Entries.Count(CutByBytes);
            await using var witness = await cluster.ConnectWebSocketAsync(gateway: gateway);
            await using var reader = await RawWebSocket.ConnectAsync(cluster.WebSocketUri(gateway));
            await reader.HelloAsync();
            var ping = RawGameSocket.Frame(Opcode.Ping, 3, new PingRequest { Echo = ByteString.CopyFrom(new byte[60_000]) });
            var flood = Task.Run(async () =>
            {
                for (var i = 0; i < 600; i++)
                {
                    await reader.SendAsync(ping);
                }
            });

            await Await.Until(() => cluster.Logs.Entries.Count(CutByBytes) > before,
                "the gateway to cut the WebSocket client that does not read, by its queued bytes");
            await Assert.ThrowsAnyAsync<Exception>(() => flood.WaitAsync(Await.Default));
            await witness.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }
}
