using System.Diagnostics;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// A crowd of session starts at one gateway (a restart, the end of maintenance) is let through at the gateway's
/// rate; the rest are told BUSY with a spread retry_after_ms and get in when they come back (docs/security.md).
/// </summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class SessionStartAdmissionTests(FrontDoorCluster cluster)
{
    private const string Password = "correct horse battery";
    private const int Crowd = 12;

    [Fact]
    public async Task ACrowdOfLoginsIsLetThroughAtTheGatewaysRateAndTheRestAreToldWhenToComeBack()
    {
        var names = new List<string>();
        await using (var registrar = await cluster.ConnectAsync())
        {
            for (var i = 0; i < Crowd; i++)
            {
                var name = GameCluster.UniqueName("adm");
                await registrar.RegisterAsync(name, Password);
                names.Add(name);
            }
        }

        // Two at once, then two a second; a start may wait half a second for its turn (a queue of one). The crowd
        // may take longer than the usual time to log in, which is not what is tested here.
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:SessionStarts:PerSecond", "2"),
            ("Gateway:SessionStarts:Burst", "2"),
            ("Gateway:SessionStarts:MaxWait", "00:00:00.500"),
            ("Gateway:UnauthenticatedTimeout", "00:01:00"),
        ]);
        var clients = new List<MmoClient>();
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            foreach (var _ in names)
            {
                clients.Add(await cluster.ConnectAsync(port: port));
            }

            var clock = Stopwatch.StartNew();
            var outcomes = await Task.WhenAll(clients.Select(async (client, i) =>
            {
                try
                {
                    await client.LoginAsync(names[i], Password);
                    return (Admitted: true, RetryAfter: TimeSpan.Zero);
                }
                catch (MmoErrorException ex) when (ex.Code == ErrorCode.Busy)
                {
                    return (Admitted: false, RetryAfter: ex.RetryAfter ?? TimeSpan.Zero);
                }
            }));
            var elapsed = clock.Elapsed;

            // The burst, the one place in the queue, and two a second for as long as the crowd took.
            var admitted = outcomes.Count(o => o.Admitted);
            var bound = 2 + 1 + (int)Math.Ceiling(elapsed.TotalSeconds * 2);
            Assert.True(admitted >= 2, $"only {admitted} of {Crowd} logins got in at once (the burst is 2)");
            Assert.True(admitted <= bound, $"{admitted} of {Crowd} logins got in within {elapsed.TotalSeconds:0.0} s; the gateway's rate allows {bound}");

            var refused = outcomes.Where(o => !o.Admitted).ToList();
            Assert.All(refused, o => Assert.True(o.RetryAfter > TimeSpan.Zero, "BUSY without retry_after_ms"));
            // Refused together, told different times: they do not all come back in the same instant.
            Assert.True(refused.Select(o => o.RetryAfter).Distinct().Count() > 1, "every refused login was told the same retry time");

            // Each refused client that waits as told gets in (a few rounds at most: the others come back too).
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var wait = outcomes[i].RetryAfter;
                for (var attempt = 0; !outcomes[i].Admitted; attempt++)
                {
                    Assert.True(attempt < 20, $"{names[i]} was still refused after {attempt} tries");
                    await Task.Delay(wait);
                    try
                    {
                        await client.LoginAsync(names[i], Password);
                        break;
                    }
                    catch (MmoErrorException ex) when (ex.Code == ErrorCode.Busy)
                    {
                        wait = ex.RetryAfter ?? TimeSpan.FromSeconds(1);
                    }
                }

                Assert.False(string.IsNullOrEmpty(client.CurrentTicket?.Token), $"{names[i]} has no session after its turn");
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await cluster.StopGatewayAsync(gateway);
        }
    }
}
