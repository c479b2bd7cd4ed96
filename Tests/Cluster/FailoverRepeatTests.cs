using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansMmo.Client;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

/// <summary>
/// Requests that must not run twice, caught in a failover (docs/security.md, "Requests repeated after a
/// failover"): the database holds the request's write (a row lock taken by the test), a silo that does not host
/// the account is killed, so the gateway gives up waiting on the call and repeats it; then the lock goes and the
/// first call completes. The repeat must be answered with what the first call made, not TICKET_ALREADY_USED,
/// USERNAME_TAKEN or CHARACTER_NAME_TAKEN. Real processes: four silos (Redis membership, PostgreSQL storage)
/// and a gateway; each step kills one silo that hosts none of it.
/// </summary>
[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
public sealed class FailoverRepeatTests
{
    private const string Password = "correct horse battery";
    private const string ServiceId = "failover-repeat";

    [Fact]
    public async Task RequestsRepeatedAfterASiloKillAreAnsweredWithWhatTheFirstAttemptMade()
    {
        var connectionString = await TestServers.CreatePostgresDatabaseAsync("repeat");
        var clusterId = "repeat-" + Guid.NewGuid().ToString("N")[..8];
        var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var silos = new List<(ServerProcess Process, int SiloPort)>();
        ServerProcess? gateway = null;
        try
        {
            silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StartSiloAsync(connectionString, clusterId, signingKey))));
            var gamePort = LoopbackPorts.FreeTcp();
            gateway = await StartGatewayAsync(clusterId, gamePort);
            using var orleans = await ConnectOrleansAsync(clusterId);
            var grains = orleans.Services.GetRequiredService<IClusterClient>();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var db = await dataSource.OpenConnectionAsync();
            var username = GameCluster.UniqueName("rep");
            var accountGrainId = $"account/{AccountKeys.ForUsername(username)}";

            // Register: the first attempt's insert waits behind a row of the same key that the test inserted and
            // has not committed; rolled back, the insert goes through. Without the request key the repeat finds the
            // account made and answers USERNAME_TAKEN.
            await using (var client = await ConnectAsync(gamePort))
            {
                string accountId;
                await using (var hold = await db.BeginTransactionAsync())
                {
                    await ExecuteAsync(db, hold,
                        "INSERT INTO GrainState (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1, PayloadBinary, Version) VALUES (@s, 'account', @g, 0, 0, NULL, 1)",
                        ("s", ServiceId), ("g", accountGrainId));
                    var registering = client.RegisterAsync(username, Password);
                    await KillASiloHostingNoneOfAsync(dataSource, grains, silos, gateway, "Register", AccountKeys.ForUsername(username));
                    await hold.RollbackAsync();
                    accountId = await registering;
                }

                Assert.Equal((await grains.GetGrain<IAccountGrain>(AccountKeys.ForUsername(username)).GetAdminView())!.AccountId.ToString(), accountId);

                // CreateCharacter: the account's write-through waits behind the test's lock on the account row.
                await client.LoginAsync(username, Password);
                var name = "Rep" + Guid.NewGuid().ToString("N")[..8];
                OrleansMmo.Protocol.Messages.CharacterSummary made;
                await using (var hold = await db.BeginTransactionAsync())
                {
                    await LockAccountRowAsync(db, hold, accountGrainId);
                    var creating = client.CreateCharacterAsync(name);
                    await KillASiloHostingNoneOfAsync(dataSource, grains, silos, gateway, "CreateCharacter", AccountKeys.ForUsername(username));
                    await hold.CommitAsync();
                    made = await creating;
                }

                Assert.Equal(name, made.Name);
                var listed = Assert.Single(await client.ListCharactersAsync());
                Assert.Equal(made.CharacterId, listed.CharacterId);
            }

            // ResumeSession: the ticket is spent and the new session stored by the first attempt, which waited on the
            // row lock; without the request key its repeat answers TICKET_ALREADY_USED and the player must type the
            // password again.
            string ticket;
            await using (var first = await ConnectAsync(gamePort))
            {
                await first.LoginAsync(username, Password);
                ticket = first.CurrentTicket!.Token;
            }

            await using var resumed = await ConnectAsync(gamePort);
            await using (var hold = await db.BeginTransactionAsync())
            {
                await LockAccountRowAsync(db, hold, accountGrainId);
                var resuming = resumed.ResumeSessionAsync(ticket);
                await KillASiloHostingNoneOfAsync(dataSource, grains, silos, gateway, "ResumeSession", AccountKeys.ForUsername(username));
                await hold.CommitAsync();
                var result = await resuming;
                Assert.NotEqual(ticket, result.Ticket.Token);
            }

            Assert.Single(await resumed.ListCharactersAsync());
            // The repeat's fresh ticket is the one that works; the first attempt's was never delivered.
            await using var again = await ConnectAsync(gamePort);
            await again.ResumeSessionAsync(resumed.CurrentTicket!.Token);
            Assert.Contains("was asked again (a failover repeat)", string.Join('\n', silos.Select(s => s.Process.RecentOutput)), StringComparison.Ordinal);
        }
        finally
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            foreach (var (silo, _) in silos)
            {
                await silo.DisposeAsync();
            }

            await TestServers.DropPostgresDatabaseAsync(connectionString);
        }
    }

    /// <summary>
    /// Kills a silo other than the one hosting the account, once the gateway has sent <paramref name="opcode"/>
    /// (its call waits on the test's lock), and waits until the gateway gives up on the first attempt and repeats it.
    /// </summary>
    private static async Task KillASiloHostingNoneOfAsync(NpgsqlDataSource dataSource, IClusterClient grains, List<(ServerProcess Process, int SiloPort)> silos,
        ServerProcess gateway, string opcode, string accountKey)
    {
        // The first attempt is inside the account grain, its write waiting on the test's lock: whatever the kill
        // does to its answer, the work itself will be done once the lock goes.
        await using (var watcher = await dataSource.OpenConnectionAsync())
        {
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watcher);
            await Await.Until(async () => (long)(await waiting.ExecuteScalarAsync())! > 0,
                $"the {opcode}'s write to wait on the test's lock", TimeSpan.FromSeconds(30));
        }

        Orleans.Runtime.SiloAddress? host = null;
        var management = grains.GetGrain<IManagementGrain>(0);
        await Await.Until(async () =>
        {
            try
            {
                return (host = await management.GetActivationAddress(grains.GetGrain<IAccountGrain>(accountKey))) is not null;
            }
            catch (Exception ex) when (ex is OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException)
            {
                // The directory's part on a silo killed earlier, until membership declares it dead; or this test
                // client's own gateway connection to that silo, until its gateway list drops it (seen once: refused).
                return false;
            }
        }, $"the account of the {opcode} to be active", TimeSpan.FromSeconds(30));
        var victim = silos.First(s => s.SiloPort != host!.Endpoint.Port && !s.Process.HasExited);
        var repeatsBefore = CountRepeats(gateway, opcode);
        await victim.Process.KillAsync();
        await Await.Until(() => CountRepeats(gateway, opcode) > repeatsBefore,
            $"the gateway to give up on the first {opcode} attempt after the silo kill and repeat it", TimeSpan.FromSeconds(30));
    }

    private static int CountRepeats(ServerProcess gateway, string opcode) =>
        gateway.RecentOutput.Split('\n').Count(line => line.Contains($"{opcode} attempt", StringComparison.Ordinal) && line.Contains("met a cluster failover", StringComparison.Ordinal));

    private static async Task LockAccountRowAsync(NpgsqlConnection db, NpgsqlTransaction hold, string accountGrainId)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM GrainState WHERE ServiceId = @s AND StateName = 'account' AND GrainId = @g FOR UPDATE", db, hold);
        command.Parameters.AddWithValue("s", ServiceId);
        command.Parameters.AddWithValue("g", accountGrainId);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(NpgsqlConnection db, NpgsqlTransaction hold, string sql, params (string Name, string Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, db, hold);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static Task<MmoClient> ConnectAsync(int port) =>
        MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions { ClientName = "failover-repeat", RequestTimeout = TimeSpan.FromSeconds(60) });

    private static async Task<(ServerProcess, int)> StartSiloAsync(string connectionString, string clusterId, string signingKey)
    {
        var siloPort = LoopbackPorts.FreeTcp();
        var adminPort = LoopbackPorts.FreeTcp();
        var silo = await ServerProcess.StartAsync("silo", ServerProcess.SiloAssembly, adminPort, new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["ConnectionStrings:Redis"] = TestServers.RedisConfiguration,
            ["Cluster:ClusterId"] = clusterId,
            ["Cluster:ServiceId"] = ServiceId,
            ["Cluster:SiloPort"] = siloPort.ToString(),
            ["Cluster:GatewayPort"] = LoopbackPorts.FreeTcp().ToString(),
            ["Admin:Port"] = adminPort.ToString(),
            ["Tickets:SigningKey"] = signingKey,
            ["World:GameDataPath"] = Path.Combine(AppContext.BaseDirectory, "TestGameData"),
            ["Accounts:PasswordHashing:Iterations"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:OrleansMmo.Grains.Accounts"] = "Information",
        }, TimeSpan.FromSeconds(120));
        return (silo, siloPort);
    }

    private static Task<ServerProcess> StartGatewayAsync(string clusterId, int gamePort)
    {
        var adminPort = LoopbackPorts.FreeTcp();
        return ServerProcess.StartAsync("gateway", ServerProcess.GatewayAssembly, adminPort, new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = TestServers.RedisConfiguration,
            ["Cluster:ClusterId"] = clusterId,
            ["Cluster:ServiceId"] = ServiceId,
            ["Gateway:ListenAddress"] = IPAddress.Loopback.ToString(),
            ["Gateway:Port"] = gamePort.ToString(),
            ["Gateway:AdminPort"] = adminPort.ToString(),
            ["Gateway:WebSocket:Port"] = "0",
            // Give up on a call caught in the failover after 1 s, and keep repeating for long enough that the
            // test's lock is gone before the gateway stops trying.
            ["Gateway:FailoverCallTimeout"] = "00:00:01",
            ["Gateway:ClusterRetryTimeout"] = "00:01:00",
            ["Gateway:UnauthenticatedTimeout"] = "00:01:00",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:OrleansMmo.Gateway.Routing"] = "Debug",
        }, TimeSpan.FromSeconds(120));
    }

    private static async Task<IHost> ConnectOrleansAsync(string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseRedisClustering(TestServers.RedisConfiguration)
            .Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ServiceId;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
