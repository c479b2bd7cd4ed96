using System.Net;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// The PROXY protocol v2 on a real gateway socket (docs/security.md, "Behind the load balancer"): 127.0.0.2
/// plays the trusted balancer and writes the header haproxy would; everyone else is a client.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class ProxyProtocolTests(FrontDoorCluster cluster)
{
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task PerAddressLimitsAndLogLinesUseTheAddressInTheHeader()
    {
        var gateway = await StartGatewayAsync(("Gateway:MaxConnectionsPerAddress", "1"));
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            // Both arrive from the balancer's address; only the header tells them apart.
            await using var first = await ThroughBalancerAsync(port, "198.51.100.60");
            await first.HelloAsync();
            await using var neighbour = await ThroughBalancerAsync(port, "198.51.100.61");
            await neighbour.HelloAsync();

            // A second one for the same client is over its cap of 1: the cap is the client's, not the balancer's.
            await using var second = await ThroughBalancerAsync(port, "198.51.100.60");
            var frames = await second.ReadUntilClosedAsync();
            Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
            Assert.Contains(cluster.Logs.Entries, e => e.Contains("from 198.51.100.60 refused: too many connections", StringComparison.Ordinal));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task IPv6ClientsBehindTheBalancerShareTheCapOfTheirSlash64()
    {
        var gateway = await StartGatewayAsync(("Gateway:MaxConnectionsPerAddress", "1"));
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var first = await ThroughBalancerAsync(port, "2001:db8:5:6::1");
            await first.HelloAsync();
            await using var sameBlock = await ThroughBalancerAsync(port, "2001:db8:5:6:ffff::2");
            Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(await sameBlock.ReadUntilClosedAsync()).DisconnectReason);
            await using var otherBlock = await ThroughBalancerAsync(port, "2001:db8:5:7::1");
            await otherBlock.HelloAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task ATrustedBalancersConnectionWithoutAHeaderIsClosedUnanswered()
    {
        var gateway = await StartGatewayAsync(("Gateway:ProxyHeaderTimeout", "00:00:00.500"));
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            // A plain client at the balancer's address: its Hello is refused at the first byte, no answer.
            await using var plain = await RawGameSocket.ConnectAsync(port, Balancer);
            await plain.SendFrameAsync(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current });
            Assert.Empty(await plain.ReadUntilClosedAsync());

            // A version 1 header is no v2 header.
            await using var v1 = await RawGameSocket.ConnectAsync(port, Balancer);
            await v1.SendAsync("PROXY TCP4 198.51.100.9 127.0.0.1 5000 7000\r\n"u8.ToArray());
            Assert.Empty(await v1.ReadUntilClosedAsync());

            // Half a header, then silence: closed at the header timeout, not held.
            await using var cut = await RawGameSocket.ConnectAsync(port, Balancer);
            await cut.SendAsync(ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 1)).AsMemory(0, 10));
            Assert.Empty(await cut.ReadUntilClosedAsync(TimeSpan.FromSeconds(20)));

            Assert.Contains(cluster.Logs.Entries, e => e.Contains("from trusted proxy 127.0.0.2 refused: no PROXY protocol v2 header", StringComparison.Ordinal));
            Assert.Contains(cluster.Logs.Entries, e => e.Contains("from trusted proxy 127.0.0.2 refused: PROXY protocol v1", StringComparison.Ordinal));
            Assert.Contains(cluster.Logs.Entries, e => e.Contains("from trusted proxy 127.0.0.2 refused: no PROXY header in time", StringComparison.Ordinal));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AHeaderFromAnyoneButATrustedBalancerIsNotBelieved()
    {
        var gateway = await StartGatewayAsync(("Gateway:MaxConnectionsPerAddress", "1"));
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            // 127.0.0.3 is no balancer: its header is not read as one, but as a frame whose length is absurd.
            await using var forger = await RawGameSocket.ConnectAsync(port, IPAddress.Parse("127.0.0.3"));
            await forger.SendAsync(ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("198.51.100.70"), 1)));
            var frames = await forger.ReadUntilClosedAsync();
            Assert.Equal(ErrorCode.FrameTooLarge, frames[0].ErrorCode);
            Assert.Equal(DisconnectReason.ProtocolViolation, frames[^1].DisconnectReason);

            // A plain client from the same kind of address is served as always.
            await using var client = await RawGameSocket.ConnectAsync(port, IPAddress.Parse("127.0.0.3"));
            await client.HelloAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task ALocalHeaderFromTheBalancerKeepsTheBalancersAddress()
    {
        var gateway = await StartGatewayAsync();
        try
        {
            await using var local = await RawGameSocket.ConnectAsync(GameCluster.GamePortOf(gateway), Balancer);
            await local.SendAsync(ProxyProtocol.Build(null));
            await local.HelloAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public void TrustedProxiesThatDoNotParseStopTheStart()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:TrustedProxies=10.0.0.0/8,haproxy"]));
        Assert.Contains("Gateway:TrustedProxies", error.Message, StringComparison.Ordinal);
    }

    private Task<Microsoft.AspNetCore.Builder.WebApplication> StartGatewayAsync(params (string Key, string Value)[] extra) => cluster.StartGatewayAsync(
    [
        ("Gateway:TrustedProxies", "127.0.0.2/32"),
        // No exemption for the documentation addresses the headers carry.
        ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        .. extra,
    ]);

    /// <summary>A connection from the balancer's address that begins with haproxy's header for <paramref name="client"/>.</summary>
    private static async Task<RawGameSocket> ThroughBalancerAsync(int port, string client)
    {
        var socket = await RawGameSocket.ConnectAsync(port, Balancer);
        await socket.SendAsync(ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse(client), 40_000)));
        return socket;
    }
}
