using System.Diagnostics;
using System.Net;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Registration floods, through real gateway sockets (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class RegistrationAbuseTests(FrontDoorCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task OneAddressRegistersNoMoreThanItsBudget()
    {
        // Loopback not exempt here, so the test's own addresses are limited.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:RegistrationBurstPerAddress", "3"),
            ("Gateway:RegistrationsPerAddressPerMinute", "0.01"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            await using var flooder = await cluster.ConnectAsync(From("127.0.0.61"), port);
            for (var i = 0; i < 3; i++)
            {
                await flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password);
            }

            var refused = await Assert.ThrowsAsync<MmoErrorException>(() => flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password));
            Assert.Equal(ErrorCode.RateLimited, refused.Code);
            Assert.True(refused.RetryAfter > TimeSpan.Zero, "RATE_LIMITED without retry_after_ms");

            // Another address has its own budget.
            await using var neighbour = await cluster.ConnectAsync(From("127.0.0.62"), port);
            await neighbour.RegisterAsync(GameCluster.UniqueName("reg"), Password);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AClientThatRegistersAgainBeforeItsRetryTimeIsRefusedThenCut()
    {
        // One registration per address, then a long wait; five early retries forgiven.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:RegistrationBurstPerAddress", "1"),
            ("Gateway:RegistrationsPerAddressPerMinute", "0.01"),
            ("Gateway:EarlyRegisterRetries", "5"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            await using var flooder = await cluster.ConnectAsync(From("127.0.0.65"), GameCluster.GamePortOf(gateway));
            await flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password);
            var told = await Assert.ThrowsAsync<MmoErrorException>(() => flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password));
            Assert.Equal(ErrorCode.RateLimited, told.Code);

            // Each early retry gets the same answer, with what is left of the wait.
            for (var i = 0; i < 5; i++)
            {
                var again = await Assert.ThrowsAsync<MmoErrorException>(() => flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password));
                Assert.Equal(ErrorCode.RateLimited, again.Code);
                Assert.InRange(again.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), told.RetryAfter!.Value);
                Assert.True(flooder.IsConnected, $"cut after {i + 1} early retries, five are forgiven");
            }

            // One more, and the connection is closed: a flood that ignores retry_after_ms pays for a reconnect every few requests.
            await Assert.ThrowsAnyAsync<Exception>(() => flooder.RegisterAsync(GameCluster.UniqueName("reg"), Password));
            var closed = await flooder.Disconnected.WaitAsync(Await.Default);
            Assert.Equal(OrleansMmo.Protocol.Messages.DisconnectReason.RateLimitAbuse, closed.Reason);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AClientToldToComeBackLaterIsGivenThatLongToLogIn()
    {
        // Two seconds to log in, but registrations from this address refused for five once its one is spent.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:UnauthenticatedTimeout", "00:00:02"),
            ("Gateway:TimeoutSweepInterval", "00:00:00.200"),
            ("Gateway:RegistrationBurstPerAddress", "1"),
            ("Gateway:RegistrationsPerAddressPerMinute", "12"),
            ("Gateway:ConnectionLimitExemptNetworks", "10.255.255.255/32"),
        ]);
        try
        {
            await using var client = await cluster.ConnectAsync(From("127.0.0.64"), GameCluster.GamePortOf(gateway));
            // A password the account rules refuse spends the registration budget without a password hash.
            var invalid = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(GameCluster.UniqueName("reg"), "short"));
            Assert.Equal(ErrorCode.PasswordInvalid, invalid.Code);
            var refused = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(GameCluster.UniqueName("reg"), Password));
            Assert.Equal(ErrorCode.RateLimited, refused.Code);
            Assert.True(refused.RetryAfter > TimeSpan.FromSeconds(3), $"retry after {refused.RetryAfter}");

            // The client obeys the wait, well past the two seconds: the gateway used to cut it off for not
            // logging in, so an obeying client had to reconnect into the storm that refused it.
            var waited = await Task.WhenAny(client.Disconnected, Task.Delay(refused.RetryAfter!.Value));
            if (waited == client.Disconnected)
            {
                Assert.Fail($"cut off while waiting as told: {await client.Disconnected}");
            }

            await client.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task LoginsAreServedAheadOfARegistrationFlood()
    {
        // A gateway of its own whose connections may stay unauthenticated for the whole flood.
        var gateway = await cluster.StartGatewayAsync([("Gateway:UnauthenticatedTimeout", "00:05:00")]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var players = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var name = GameCluster.UniqueName("hon");
                await using var registrar = await cluster.ConnectAsync(port: port);
                await registrar.RegisterAsync(name, Password);
                players.Add(name);
            }

            // The usual time of a login here, on this machine, now.
            var usual = TimeSpan.Zero;
            foreach (var player in players)
            {
                usual = Max(usual, await TimedLoginAsync(player, port));
            }

            // 40 connections registering back to back (one at a time each, as the gateway serves a connection's requests).
            using var stop = new CancellationTokenSource();
            var registered = 0;
            var flood = Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
            {
                // The flood's registrations wait their turn behind one another: however long, it is not their time measured.
                await using var client = await cluster.ConnectAsync(new MmoClientOptions { ClientName = "tests", RequestTimeout = TimeSpan.FromMinutes(5) }, port);
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        // Not cancelled: each flood connection ends with its registration answered, so no hashing is
                        // left queued in the silo for the next test.
                        await client.RegisterAsync(GameCluster.UniqueName("flood"), Password);
                        Interlocked.Increment(ref registered);
                    }
                    catch (MmoErrorException ex) when (ex.Code == ErrorCode.Busy)
                    {
                        // Registrations beyond their own queue are refused; the flood keeps trying.
                    }
                }
            })).ToList();
            try
            {
                await Await.Until(() => Volatile.Read(ref registered) >= 3, "the registration flood to be under way");

                // Before registrations queued apart, each login waited behind up to 40 registration hashes.
                foreach (var player in players)
                {
                    var took = await TimedLoginAsync(player, port);
                    var bound = (usual * 5) + TimeSpan.FromSeconds(1);
                    Assert.True(took <= bound, $"a login took {took.TotalMilliseconds:F0} ms during the flood; usually {usual.TotalMilliseconds:F0} ms (bound {bound.TotalMilliseconds:F0} ms)");
                }
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(flood);
            }
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    private async Task<TimeSpan> TimedLoginAsync(string username, int port)
    {
        await using var client = await cluster.ConnectAsync(port: port);
        var clock = Stopwatch.StartNew();
        await client.LoginAsync(username, Password);
        return clock.Elapsed;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static MmoClientOptions From(string address) => new() { LocalAddress = IPAddress.Parse(address), ClientName = "tests" };
}
