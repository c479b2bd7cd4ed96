using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Connection floods: slots held without a word, and one address taking many slots (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class ConnectionFloodTests(FrontDoorCluster cluster)
{
    [Fact]
    public async Task AConnectionThatNeverSaysHelloIsClosedAtTheHelloTimeoutNotTheLoginTimeout()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:HelloTimeout", "00:00:01"),
            ("Gateway:UnauthenticatedTimeout", "00:05:00"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var silent = await RawGameSocket.ConnectAsync(port);
            await using var greeted = await RawGameSocket.ConnectAsync(port);
            await greeted.HelloAsync();

            // Without the Hello timeout the silent one would hold its slot for the 5 minute login timeout.
            var frames = await silent.ReadUntilClosedAsync();

            Assert.Equal(DisconnectReason.AuthenticationTimeout, frames[^1].DisconnectReason);
            // The one that said Hello, opened at the same time, is past the Hello timeout and still served.
            await greeted.SendFrameAsync(Opcode.Ping, 2, new PingRequest());
            Assert.Equal(Opcode.Ping.ResponseOf(), (await greeted.ReadFrameAsync())!.Opcode);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task OneAddressHoldsAtMostItsCapOfConnectionsWhileOthersStillConnect()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:MaxConnectionsPerAddress", "3"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var flooder = IPAddress.Parse("127.0.0.7");
            var held = new List<RawGameSocket>();
            for (var i = 0; i < 3; i++)
            {
                held.Add(await GreetedAsync(port, flooder));
            }

            await using (var fourth = await RawGameSocket.ConnectAsync(port, flooder))
            {
                var frames = await fourth.ReadUntilClosedAsync();
                Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
            }

            await using (var neighbour = await GreetedAsync(port, IPAddress.Parse("127.0.0.8")))
            {
                // Another address is not affected.
            }

            // A slot given back is a slot again.
            await held[0].DisposeAsync();
            await Await.Until(async () =>
            {
                var socket = await RawGameSocket.ConnectAsync(port, flooder);
                held.Add(socket);
                await socket.SendFrameAsync(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current });
                return (await socket.ReadFrameAsync())?.Opcode == Opcode.Hello.ResponseOf();
            }, "a connection from the address once one of its slots is free");
            foreach (var socket in held.Skip(1))
            {
                await socket.DisposeAsync();
            }
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task OneAddressCannotOpenConnectionsFasterThanItsRate()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:NewConnectionBurstPerAddress", "5"),
            ("Gateway:NewConnectionsPerAddressPerSecond", "0.01"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var flooder = IPAddress.Parse("127.0.0.9");
            for (var i = 0; i < 5; i++)
            {
                // Open and close at once: never more than one held, only the rate can refuse.
                await using var socket = await GreetedAsync(port, flooder);
            }

            await using var sixth = await RawGameSocket.ConnectAsync(port, flooder);
            var frames = await sixth.ReadUntilClosedAsync();
            Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
            await using var neighbour = await GreetedAsync(port, IPAddress.Parse("127.0.0.10"));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AnAddressCutForAbuseWaitsBeforeItsNextConnection()
    {
        // Two new connections a second, three in a burst; one Register per address and a long wait; no early retry forgiven.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:NewConnectionBurstPerAddress", "3"),
            ("Gateway:NewConnectionsPerAddressPerSecond", "2"),
            ("Gateway:AbuseCutConnectionPenalty", "00:00:10"),
            ("Gateway:RegistrationBurstPerAddress", "1"),
            ("Gateway:RegistrationsPerAddressPerMinute", "0.01"),
            ("Gateway:EarlyRegisterRetries", "0"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var address = IPAddress.Parse("127.0.0.68");
            await using var honest = await GreetedAsync(port, address);
            await using (var flooder = await cluster.ConnectAsync(new MmoClientOptions { LocalAddress = address, ClientName = "tests" }, port))
            {
                // A password the account rules refuse spends the registration budget without a hash; the next Register is
                // refused with a wait, and one more before that wait is over is the cut.
                Assert.Equal(ErrorCode.PasswordInvalid, (await Assert.ThrowsAsync<MmoErrorException>(() => flooder.RegisterAsync(GameCluster.UniqueName("cut"), "short"))).Code);
                Assert.Equal(ErrorCode.RateLimited, (await Assert.ThrowsAsync<MmoErrorException>(() => flooder.RegisterAsync(GameCluster.UniqueName("cut"), "correct horse battery"))).Code);
                await Assert.ThrowsAnyAsync<Exception>(() => flooder.RegisterAsync(GameCluster.UniqueName("cut"), "correct horse battery"));
                Assert.Equal(DisconnectReason.RateLimitAbuse, (await flooder.Disconnected.WaitAsync(Await.Default)).Reason);
            }

            // One token was left for a third connection; the cut took it and then some, so reconnecting at once is refused
            // (where without the penalty it would be let in, and the reconnects would become the flood)...
            await using (var again = await RawGameSocket.ConnectAsync(port, address))
            {
                var frames = await again.ReadUntilClosedAsync();
                Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
            }

            // ...while what the address already holds is served, another address connects, and once the debt is repaid
            // (at most a burst: 2 s at this rate) the address connects again.
            await honest.SendFrameAsync(Opcode.Ping, 2, new PingRequest());
            Assert.Equal(Opcode.Ping.ResponseOf(), (await honest.ReadFrameAsync())!.Opcode);
            await using (var neighbour = await GreetedAsync(port, IPAddress.Parse("127.0.0.69")))
            {
            }

            await Await.Until(async () =>
            {
                await using var later = await RawGameSocket.ConnectAsync(port, address);
                await later.SendFrameAsync(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current });
                return (await later.ReadFrameAsync())?.Opcode == Opcode.Hello.ResponseOf();
            }, "a connection from the address once its debt is repaid", timeout: TimeSpan.FromSeconds(6)); // without the one-burst floor, 10 s
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AFloodFromOneAddressIsRefusedAtAcceptToldWhyInOneLogLineAndNeverBecomesAConnection()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:NewConnectionBurstPerAddress", "2"),
            ("Gateway:NewConnectionsPerAddressPerSecond", "0.01"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
            // A balancer elsewhere: the clients that connect directly are still refused at accept.
            ("Gateway:TrustedProxies", "127.0.0.250/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var flooder = IPAddress.Parse("127.0.0.71");
            using var kestrelConnections = new ConnectionsStarted(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
            for (var i = 0; i < 2; i++)
            {
                await using var admitted = await GreetedAsync(port, flooder);
            }

            for (var i = 0; i < 20; i++)
            {
                await using var refused = await RawGameSocket.ConnectAsync(port, flooder);
                if (i % 2 == 0)
                {
                    // Speaking at once, as the SDK does, must not cost the client the notice.
                    await refused.SendFrameAsync(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current });
                }

                var frames = await refused.ReadUntilClosedAsync();
                Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(frames).DisconnectReason);
            }

            // Every refused one heard why, yet only the two let in became connections (Kestrel's, then sessions):
            // the twenty were refused in the accept loop, each an accept, a send and a close.
            Assert.Equal(2, kestrelConnections.Count);
            // And the log has one line for the address (the first refusal), not twenty.
            Assert.Single(cluster.Logs.Entries, e => e.Contains("from 127.0.0.71 refused:", StringComparison.Ordinal));
            await using var neighbour = await GreetedAsync(port, IPAddress.Parse("127.0.0.72"));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AnAddressWhoseConnectionSaidNothingUntilTheHelloTimeoutWaitsBeforeItsNext()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:HelloTimeout", "00:00:01"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.100"),
            ("Gateway:NewConnectionBurstPerAddress", "3"),
            ("Gateway:NewConnectionsPerAddressPerSecond", "1"),
            ("Gateway:SilentConnectionPenalty", "00:00:10"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var address = IPAddress.Parse("127.0.0.74");
            await using (var silent = await RawGameSocket.ConnectAsync(port, address))
            {
                Assert.Equal(DisconnectReason.AuthenticationTimeout, (await silent.ReadUntilClosedAsync())[^1].DisconnectReason);
            }

            // By then the bucket was full again (3 of 3); the silence cost 10 s of connections (down to the floor, one
            // burst in debt), so the next one is refused where it would be let in without the penalty.
            await using (var next = await RawGameSocket.ConnectAsync(port, address))
            {
                Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(await next.ReadUntilClosedAsync()).DisconnectReason);
            }

            await using var neighbour = await GreetedAsync(port, IPAddress.Parse("127.0.0.75"));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task WithRefusalAtAcceptOffTheSessionRefusesTheSameWay()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:RefuseFloodsAtAccept", "false"),
            ("Gateway:NewConnectionBurstPerAddress", "1"),
            ("Gateway:NewConnectionsPerAddressPerSecond", "0.01"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var flooder = IPAddress.Parse("127.0.0.73");
            using var kestrelConnections = new ConnectionsStarted(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
            await using (var admitted = await GreetedAsync(port, flooder))
            {
            }

            await using var refused = await RawGameSocket.ConnectAsync(port, flooder);
            Assert.Equal(DisconnectReason.TooManyConnections, Assert.Single(await refused.ReadUntilClosedAsync()).DisconnectReason);
            Assert.Equal(2, kestrelConnections.Count);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    /// <summary>Connections Kestrel started on one gateway (its <c>kestrel.active_connections</c> going up).</summary>
    private sealed class ConnectionsStarted : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private int _count;

        public ConnectionsStarted(System.Diagnostics.Metrics.IMeterFactory gateway)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel" && instrument.Name == "kestrel.active_connections"
                    && ReferenceEquals(instrument.Meter.Scope, gateway))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
            {
                if (value > 0)
                {
                    Interlocked.Increment(ref _count);
                }
            });
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static async Task<RawGameSocket> GreetedAsync(int port, IPAddress from)
    {
        var socket = await RawGameSocket.ConnectAsync(port, from);
        await socket.HelloAsync();
        return socket;
    }
}

/// <summary>How a source address is keyed for the per-address limits.</summary>
[Trait("Category", "Unit")]
public class AddressKeyTests
{
    [Fact]
    public void IPv6AddressesAreKeyedByTheirSlash64()
    {
        Assert.Equal(ConnectionAdmissionKey("2001:db8:1:2::5"), ConnectionAdmissionKey("2001:db8:1:2:ffff:ffff:ffff:1"));
        Assert.NotEqual(ConnectionAdmissionKey("2001:db8:1:2::5"), ConnectionAdmissionKey("2001:db8:1:3::5"));
        Assert.Equal("2001:db8:1:2::/64", ConnectionAdmissionKey("2001:db8:1:2:abcd::1"));
    }

    [Fact]
    public void IPv4AddressesAreKeyedByThemselvesAlsoWhenMappedToIPv6()
    {
        Assert.Equal("203.0.113.9", ConnectionAdmissionKey("203.0.113.9"));
        Assert.Equal("203.0.113.9", ConnectionAdmissionKey("::ffff:203.0.113.9"));
        Assert.NotEqual(ConnectionAdmissionKey("203.0.113.9"), ConnectionAdmissionKey("203.0.113.10"));
        Assert.Null(ConnectionAdmissionKey("unknown"));
    }

    [Fact]
    public void ExemptNetworksThatDoNotParseStopTheStartWithTheOptionsName()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:ConnectionLimitExemptNetworks=10.0.0.0/8,not-a-network"]));
        Assert.Contains("ConnectionLimitExemptNetworks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeAbuseCutPenaltyStopsTheStartWithTheOptionsName()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:AbuseCutConnectionPenalty=-00:00:01"]));
        Assert.Contains("AbuseCutConnectionPenalty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeSilentConnectionPenaltyStopsTheStartWithTheOptionsName()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:SilentConnectionPenalty=-00:00:01"]));
        Assert.Contains("SilentConnectionPenalty", error.Message, StringComparison.Ordinal);
    }

    private static string? ConnectionAdmissionKey(string address) => OrleansMmo.Gateway.Connections.ConnectionAdmission.KeyOf(address);
}
