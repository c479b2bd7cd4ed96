using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansMmo.Grains.Diagnostics;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// <c>kill -9</c> of a real silo process (the built <c>OrleansMmo.Silo.dll</c>, configured through
/// environment variables), then a new process on the same database: every change written through is
/// there; a change only marked dirty is lost only if it was made within the last interval.
/// The grain is the storage canary, a diagnostic grain of the real silo: test grains are not in it.
/// </summary>
[Trait("Category", "Storage")]
public sealed class SiloCrashTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(1);

    // The loss window is one interval plus the time a write takes; the slack covers a loaded machine.
    private static readonly TimeSpan _slack = TimeSpan.FromSeconds(2);

    [Fact]
    public Task OnSqliteAfterKillNineEveryWriteThroughIsThereAndOtherChangesLoseAtMostOneInterval() =>
        AfterKillNineEveryWriteThroughIsThereAndOtherChangesLoseAtMostOneIntervalAsync(StorageEngine.Sqlite);

    [Fact]
    [Trait("Needs", "Postgres")]
    public Task OnPostgresAfterKillNineEveryWriteThroughIsThereAndOtherChangesLoseAtMostOneInterval() =>
        AfterKillNineEveryWriteThroughIsThereAndOtherChangesLoseAtMostOneIntervalAsync(StorageEngine.Postgres);

    private static async Task AfterKillNineEveryWriteThroughIsThereAndOtherChangesLoseAtMostOneIntervalAsync(StorageEngine engine)
    {
        var (storage, cleanup) = await NewDatabaseAsync(engine);
        try
        {
            var canaries = Enumerable.Range(0, 6).Select(i => $"canary:crash:{Guid.NewGuid():N}").ToList();
            var moves = new Dictionary<string, List<(long Position, long AckedAt)>>();
            var deposits = new Dictionary<string, long>();
            long killedAt;
            var (silo, gatewayPort) = await StartSiloAsync(storage);
            await using (silo)
            {
                using var client = await ConnectAsync(gatewayPort);
                var grains = client.Services.GetRequiredService<IClusterClient>();
                var until = Stopwatch.GetTimestamp() + (long)(3 * _interval.TotalSeconds * Stopwatch.Frequency);
                await Task.WhenAll(canaries.Select(async key =>
                {
                    var canary = grains.GetGrain<IStorageCanaryGrain>(key);
                    var acked = new List<(long, long)>();
                    long balance = 0;
                    for (long position = 1; Stopwatch.GetTimestamp() < until; position++)
                    {
                        await canary.Move(position);
                        acked.Add((position, Stopwatch.GetTimestamp()));
                        if (position % 25 == 0)
                        {
                            balance = await canary.Deposit(1);
                        }

                        await Task.Delay(5);
                    }

                    balance = await canary.Deposit(1);
                    lock (moves)
                    {
                        moves[key] = acked;
                        deposits[key] = balance;
                    }
                }));

                killedAt = Stopwatch.GetTimestamp();
                await silo.KillAsync();
            }

            (silo, gatewayPort) = await StartSiloAsync(storage);
            await using (silo)
            {
                using var client = await ConnectAsync(gatewayPort);
                var grains = client.Services.GetRequiredService<IClusterClient>();
                var safeBefore = killedAt - (long)((_interval + _slack).TotalSeconds * Stopwatch.Frequency);
                foreach (var key in canaries)
                {
                    var report = await grains.GetGrain<IStorageCanaryGrain>(key).Report();
                    // Every deposit acknowledged, none twice.
                    Assert.Equal(deposits[key], report.Balance);
                    var mustHave = moves[key].Where(m => m.AckedAt < safeBefore).Select(m => m.Position).DefaultIfEmpty(0).Max();
                    Assert.True(
                        report.Position >= mustHave,
                        $"{key}: stored position {report.Position}, but move {mustHave} was acknowledged more than {(_interval + _slack).TotalSeconds} s before the kill");
                    Assert.True(report.Position <= moves[key][^1].Position);
                }
            }
        }
        finally
        {
            await cleanup();
        }
    }

    private static async Task<(ServerProcess Process, int GatewayPort)> StartSiloAsync(Dictionary<string, string> storage)
    {
        var adminPort = LoopbackPorts.FreeTcp();
        var gatewayPort = LoopbackPorts.FreeTcp();
        Dictionary<string, string> settings = new(storage)
        {
            ["Cluster:SiloPort"] = LoopbackPorts.FreeTcp().ToString(),
            ["Cluster:GatewayPort"] = gatewayPort.ToString(),
            ["Cluster:ClusterId"] = "crash-tests",
            ["Cluster:ServiceId"] = "crash-tests",
            ["Admin:Port"] = adminPort.ToString(),
            ["WriteBehind:Interval"] = _interval.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:OrleansMmo"] = "Warning",
            ["ConnectionStrings:Redis"] = "",
        };
        return (await ServerProcess.StartAsync("silo", ServerProcess.SiloAssembly, adminPort, settings), gatewayPort);
    }

    private static async Task<IHost> ConnectAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort, "crash-tests", "crash-tests"));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<(Dictionary<string, string> Settings, Func<Task> Cleanup)> NewDatabaseAsync(StorageEngine engine)
    {
        if (engine == StorageEngine.Postgres)
        {
            var connectionString = await TestServers.CreatePostgresDatabaseAsync("crash");
            return (new() { ["ConnectionStrings:Postgres"] = connectionString }, () => TestServers.DropPostgresDatabaseAsync(connectionString));
        }

        var path = TestServers.NewSqliteFilePath("crash");
        return (new() { ["Storage:SqlitePath"] = path, ["ConnectionStrings:Postgres"] = "" }, () =>
        {
            TestServers.DeleteSqliteDirectory(path);
            return Task.CompletedTask;
        });
    }
}
