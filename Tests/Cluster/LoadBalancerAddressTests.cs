using System.Net;
using System.Net.Sockets;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

/// <summary>
/// Clients behind the real haproxy of the native cluster (docs/security.md, "Behind the load balancer"): haproxy
/// passes each client's address to the gateways in a PROXY v2 header, so per-address rules see clients, not
/// haproxy; and haproxy's own stick-table limits new connections per source.
/// </summary>
[Collection(NativeClusterCollection.Name)]
[Trait("Category", "Native")]
[Trait("Needs", "NativeCluster")]
public class LoadBalancerAddressTests(NativeCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task GuessesFromOneClientDoNotThrottleAnotherClientBehindTheSameBalancer()
    {
        var honest = GameCluster.UniqueName("honest");
        await using (var owner = await cluster.ConnectThroughLoadBalancerAsync(IPAddress.Parse("127.0.0.42")))
        {
            await owner.RegisterAsync(honest, Password);
        }

        // 25 failed logins from 127.0.0.41, each on a name of its own (the per-name lock stays out of it). The
        // address budget (20 failures) throttles the rest: the silo's throttle keys them by the client's address.
        var outcomes = new List<ErrorCode>();
        await using (var guesser = await cluster.ConnectThroughLoadBalancerAsync(IPAddress.Parse("127.0.0.41")))
        {
            for (var i = 0; i < 25; i++)
            {
                var failure = await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(GameCluster.UniqueName("ghost"), "wrong password"));
                outcomes.Add(failure.Code);
            }
        }

        Assert.All(outcomes.Take(20), o => Assert.Equal(ErrorCode.InvalidCredentials, o));
        Assert.All(outcomes.Skip(20), o => Assert.Equal(ErrorCode.LoginThrottled, o));

        // Another client through the same haproxy logs in: without the header both were haproxy's address, and
        // this correct password was answered LOGIN_THROTTLED for the next 5 minutes.
        await using var player = await cluster.ConnectThroughLoadBalancerAsync(IPAddress.Parse("127.0.0.42"));
        await player.LoginAsync(honest, Password);
        Assert.False(string.IsNullOrEmpty(player.AccountId));
    }

    [Fact]
    public async Task HaproxyRefusesASourceOpeningConnectionsFasterThanItsRate()
    {
        // cluster.sh: MMO_LB_NEW_CONN_PER_SOURCE=20 a second. 40 at once from one source: at least 20 are cut by
        // haproxy before any gateway hears of them, while a connection from another source is served.
        var flooder = IPAddress.Parse("127.0.0.51");
        var sockets = new List<RawGameSocket>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                // haproxy rejects after the kernel's handshake: the reset usually lands on the first read, but can
                // beat the connect's completion, which then fails with ECONNRESET. Both are haproxy's refusal.
                try
                {
                    sockets.Add(await RawGameSocket.ConnectAsync(cluster.LoadBalancerPort, flooder));
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                }
            }

            var greeted = await Task.WhenAll(sockets.Select(async s =>
            {
                try
                {
                    await s.HelloAsync();
                    return true;
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or SocketException)
                {
                    return false;
                }
            }));
            Assert.InRange(greeted.Count(g => g), 1, 20);

            await using var neighbour = await cluster.ConnectThroughLoadBalancerAsync(IPAddress.Parse("127.0.0.52"));
            await neighbour.PingAsync();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }
}
