using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansMmo.Client;
using OrleansMmo.Grains.World;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// <c>kill -9</c> of the silo process at every step of a trade's exchange, on both storage engines: a real
/// silo and a real gateway as child processes, two players trading through sockets, the silo stopped for good
/// after step N by its fault injection (<c>World:TradePauseAfterStep</c>) and then SIGKILLed, a new silo on the
/// same database, and a count. Before the decision (steps 1-3) the trade is undone; from it (4-7) it is finished;
/// either way every item and gold piece is there exactly once, and no escrow is left.
/// The one silo hosts both traders and the trade grain: a crash there loses all three activations at once.
/// </summary>
[Trait("Category", "Storage")]
public sealed class TradeCrashTests
{
    private const string ClusterId = "trade-crash";

    [Fact]
    public Task OnSqliteAKillNineAtEveryStepOfATradeLosesAndDuplicatesNothing() => KillAtEveryStepAsync(StorageEngine.Sqlite);

    [Fact]
    [Trait("Needs", "Postgres")]
    public Task OnPostgresAKillNineAtEveryStepOfATradeLosesAndDuplicatesNothing() => KillAtEveryStepAsync(StorageEngine.Postgres);

    private static async Task KillAtEveryStepAsync(StorageEngine engine)
    {
        var (storage, cleanup) = await NewDatabaseAsync(engine);
        try
        {
            var siloPort = LoopbackPorts.FreeTcp();
            var orleansGatewayPort = LoopbackPorts.FreeTcp();
            (string User, string Name, Guid Id) a = ("", "", Guid.Empty), b = ("", "", Guid.Empty);
            Ledger? expected = null;
            ulong goldBefore = 0;
            // Each round's silo first counts what the previous round's crash left (its recovery never pauses),
            // then runs a trade that stops after the round's step, and is killed there.
            for (var step = 1; step <= 8; step++)
            {
                await using var silo = await StartSiloAsync(storage, siloPort, orleansGatewayPort, step == 8 ? 0 : step);
                using (var host = await ConnectOrleansAsync(orleansGatewayPort))
                {
                    var grains = host.Services.GetRequiredService<IClusterClient>();
                    if (expected is not null)
                    {
                        var crashed = step - 1;
                        Ledger after = null!;
                        await Await.Until(async () => (after = await Ledger.CountAsync(grains, [a.Id, b.Id])).EscrowEntries == 0,
                            $"the escrow of the trade killed after step {crashed} to be settled or released after the restart", TimeSpan.FromSeconds(60));
                        Assert.Equal(expected.ToString(), after.ToString());
                        // Undone before the decision (step 4), finished from it.
                        var gold = (await grains.GetGrain<IPlayerGrain>(a.Id).GetHoldings()).Gold;
                        Assert.True((ulong)gold == (crashed >= 4 ? goldBefore - 7 : goldBefore), $"killed after step {crashed}: the initiator has {gold} gold, had {goldBefore}");
                    }

                    if (step == 8)
                    {
                        break;
                    }
                }

                var gamePort = LoopbackPorts.FreeTcp();
                await using var gateway = await StartGatewayAsync(orleansGatewayPort, gamePort);
                var ca = await ConnectAsync(gamePort);
                var cb = await ConnectAsync(gamePort);
                Task<Wire.TradeInfo> confirming;
                try
                {
                    if (step == 1)
                    {
                        a = await NewCharacterAsync(ca, "cra");
                        b = await NewCharacterAsync(cb, "crb");
                    }
                    else
                    {
                        await ca.LoginAsync(a.User, WorldPlayer.Password);
                        await cb.LoginAsync(b.User, WorldPlayer.Password);
                    }

                    await ca.EnterWorldAsync(a.Id.ToString());
                    await cb.EnterWorldAsync(b.Id.ToString());
                    if (expected is null)
                    {
                        using var host = await ConnectOrleansAsync(orleansGatewayPort);
                        expected = await Ledger.CountAsync(host.Services.GetRequiredService<IClusterClient>(), [a.Id, b.Id]);
                    }

                    goldBefore = (await ca.GetInventoryAsync()).Gold;
                    var trade = await ca.RequestTradeAsync(b.Name);
                    await cb.AcceptTradeAsync(trade.TradeId);
                    await ca.OfferTradeAsync(trade.TradeId, 7, []);
                    await cb.OfferTradeAsync(trade.TradeId, 0, [("bread", 1)]);
                    await ca.LockTradeAsync(trade.TradeId);
                    await cb.LockTradeAsync(trade.TradeId);
                    await ca.ConfirmTradeAsync(trade.TradeId);
                    // The last confirmation runs the exchange, which stops after the step: its answer never comes.
                    confirming = cb.ConfirmTradeAsync(trade.TradeId);
                    await Await.Until(() => silo.RecentOutput.Contains($"paused for good after step {step}", StringComparison.Ordinal),
                        $"the exchange to reach step {step}", TimeSpan.FromSeconds(30));
                    await silo.KillAsync();
                }
                finally
                {
                    await ca.DisposeAsync();
                    await cb.DisposeAsync();
                }

                await Assert.ThrowsAnyAsync<Exception>(() => confirming);
            }
        }
        finally
        {
            await cleanup();
        }
    }

    private static async Task<(string User, string Name, Guid Id)> NewCharacterAsync(MmoClient client, string prefix)
    {
        var user = GameCluster.UniqueName(prefix);
        await client.RegisterAsync(user, WorldPlayer.Password);
        await client.LoginAsync(user, WorldPlayer.Password);
        var name = prefix + Guid.NewGuid().ToString("N")[..10];
        var character = await client.CreateCharacterAsync(name);
        return (user, name, Guid.Parse(character.CharacterId));
    }

    private static Task<MmoClient> ConnectAsync(int port) => MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions
    {
        ClientName = "trade-crash",
        PushFullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest,
    });

    private static Task<ServerProcess> StartSiloAsync(Dictionary<string, string> storage, int siloPort, int gatewayPort, int pauseAfterStep)
    {
        var adminPort = LoopbackPorts.FreeTcp();
        Dictionary<string, string> settings = new(storage)
        {
            ["Cluster:SiloPort"] = siloPort.ToString(),
            ["Cluster:GatewayPort"] = gatewayPort.ToString(),
            ["Cluster:ClusterId"] = ClusterId,
            ["Cluster:ServiceId"] = ClusterId,
            ["Admin:Port"] = adminPort.ToString(),
            ["ConnectionStrings:Redis"] = "",
            ["World:GameDataPath"] = Path.Combine(AppContext.BaseDirectory, "TestGameData"),
            ["World:TradePauseAfterStep"] = pauseAfterStep.ToString(),
            ["Accounts:PasswordHashing:Iterations"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:OrleansMmo"] = "Warning",
        };
        return ServerProcess.StartAsync("silo", ServerProcess.SiloAssembly, adminPort, settings);
    }

    private static Task<ServerProcess> StartGatewayAsync(int orleansGatewayPort, int gamePort)
    {
        var adminPort = LoopbackPorts.FreeTcp();
        return ServerProcess.StartAsync("gateway", ServerProcess.GatewayAssembly, adminPort, new Dictionary<string, string>
        {
            ["Cluster:GatewayPort"] = orleansGatewayPort.ToString(),
            ["Cluster:ClusterId"] = ClusterId,
            ["Cluster:ServiceId"] = ClusterId,
            ["ConnectionStrings:Redis"] = "",
            ["Gateway:ListenAddress"] = "127.0.0.1",
            ["Gateway:Port"] = gamePort.ToString(),
            ["Gateway:AdminPort"] = adminPort.ToString(),
            ["Gateway:WebSocket:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
    }

    private static async Task<IHost> ConnectOrleansAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort, ClusterId, ClusterId));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<(Dictionary<string, string> Settings, Func<Task> Cleanup)> NewDatabaseAsync(StorageEngine engine)
    {
        if (engine == StorageEngine.Postgres)
        {
            var connectionString = await TestServers.CreatePostgresDatabaseAsync("tradecrash");
            return (new() { ["ConnectionStrings:Postgres"] = connectionString }, () => TestServers.DropPostgresDatabaseAsync(connectionString));
        }

        var path = TestServers.NewSqliteFilePath("tradecrash");
        return (new() { ["Storage:SqlitePath"] = path, ["ConnectionStrings:Postgres"] = "" }, () =>
        {
            TestServers.DeleteSqliteDirectory(path);
            return Task.CompletedTask;
        });
    }
}
