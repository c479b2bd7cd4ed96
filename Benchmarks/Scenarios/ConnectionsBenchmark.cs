using System.Diagnostics;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// b. How many in-world players the gateways hold, and what each costs in memory. Players come from the
/// seed (they resume with tickets: no password hashing), connect over several source addresses from one
/// or more bot processes, enter the world and stand still, sending only heartbeats. Once all are in,
/// they are held for a while; then the resident memory of each gateway and of the silo is compared with
/// what it was before the first player connected.
/// </summary>
public static class ConnectionsBenchmark
{
    public sealed record Options(
        int Players, int Gateways, int Processes, TimeSpan Hold, string Sources, string SeedDirectory, string RunDirectory, string? Out, double ViewRadius = 5);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var seed = BenchmarkSeed.Require(options.SeedDirectory, options.Players);
        var runDirectory = Path.Combine(options.RunDirectory, $"connections-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Console.WriteLine($"connections: {options.Players:N0} players over {options.Gateways} gateway(s) from {options.Processes} bot process(es), held {options.Hold.TotalSeconds:0} s");
        var result = new BenchmarkResult("connections")
        {
            Parameters =
            {
                ["players"] = options.Players,
                ["gateways"] = options.Gateways,
                ["botProcesses"] = options.Processes,
                ["holdSeconds"] = options.Hold.TotalSeconds,
                ["sources"] = options.Sources,
                ["viewRadius"] = options.ViewRadius,
            },
        };

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            Gateways = options.Gateways,
            SqliteTemplate = seed.Database,
            // 50,000 players on the demo world's 2.7 km2 would have ~220 others within the default 60 m view,
            // and every zone tick would compare each with each (that cost is the fan-out benchmark's subject).
            // A small view radius keeps the zones' work out of a measurement of what connections cost.
            SiloSettings =
            [
                ("World:ViewRadius", options.ViewRadius.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("World:CellSize", options.ViewRadius.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
        }, seed, Console.Out);

        // Let start-up settle (JIT, first GCs, the Orleans client's connections) before the baseline.
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var gatewayBaseline = servers.Gateways.Select(g => g.ResidentBytes()).ToArray();
        var siloBaseline = servers.Silo.ResidentBytes();
        var gatewayHeapBaseline = new long[servers.Gateways.Count];
        for (var i = 0; i < servers.Gateways.Count; i++)
        {
            gatewayHeapBaseline[i] = (await servers.Gateways[i].CollectAsync(cancellationToken)).HeapBytes;
        }

        var siloHeapBaseline = (await servers.Silo.CollectAsync(cancellationToken)).HeapBytes;

        var settings = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Sources = BotCommand.ParseSources(options.Sources).ToList(),
            Bots = options.Players,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = 0,
            ChatInterval = TimeSpan.Zero,
            PortalChance = 0,
            // Bounded by the stop below, not by the clock.
            Duration = TimeSpan.FromHours(2),
            RampPerSecond = 2000,
            // Resumes in flight at once (all processes together): each is an account write, and a queue of
            // them longer than the 10 s unauthenticated timeout would only time out and start over.
            LoginConcurrency = 256,
            RequestTimeout = TimeSpan.FromSeconds(30),
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        TimeSpan? allInAt = null;
        long[] gatewayHeld = new long[servers.Gateways.Count];
        long siloHeld = 0;
        long playersAtMeasurement = 0;
        var memoryTimeline = new List<Dictionary<string, double>>();
        var summary = await BotRunner.RunAsync(settings, options.Processes, Console.Out, stop.Token, snapshot =>
        {
            var inWorld = snapshot.Counter(Counter.InWorld);
            memoryTimeline.Add(new Dictionary<string, double>
            {
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["inWorld"] = inWorld,
                ["siloMiB"] = Math.Round(servers.Silo.ResidentBytes() / 1048576.0, 1),
                ["gatewaysMiB"] = Math.Round(servers.Gateways.Sum(g => g.ResidentBytes()) / 1048576.0, 1),
            });
            if (allInAt is null && inWorld >= options.Players)
            {
                allInAt = clock.Elapsed;
                Console.WriteLine($"all {inWorld:N0} players in the world after {clock.Elapsed.TotalSeconds:0} s; holding {options.Hold.TotalSeconds:0} s");
            }

            if (allInAt is { } at && clock.Elapsed - at >= options.Hold && !stop.IsCancellationRequested)
            {
                gatewayHeld = servers.Gateways.Select(g => g.ResidentBytes()).ToArray();
                siloHeld = servers.Silo.ResidentBytes();
                playersAtMeasurement = inWorld;
                stop.Cancel();
            }
        });

        if (playersAtMeasurement == 0)
        {
            // Not every player made it in (or the run was interrupted): measure what is held now.
            gatewayHeld = servers.Gateways.Select(g => g.ResidentBytes()).ToArray();
            siloHeld = servers.Silo.ResidentBytes();
            playersAtMeasurement = summary.PeakInWorld;
            result.Notes.Add($"not every player entered the world: {summary.PeakInWorld:N0} of {options.Players:N0}");
        }

        // Then the same after a full compacting collection: what the connections really keep alive.
        long gatewayHeapHeld = 0, gatewayCollectedResident = 0;
        foreach (var gateway in servers.Gateways)
        {
            var (heap, resident) = await gateway.CollectAsync(cancellationToken);
            gatewayHeapHeld += heap;
            gatewayCollectedResident += resident;
        }

        var (siloHeapHeld, siloCollectedResident) = await servers.Silo.CollectAsync(cancellationToken);
        var perGateway = (double)playersAtMeasurement / servers.Gateways.Count;
        for (var i = 0; i < servers.Gateways.Count; i++)
        {
            result.Metrics[$"gateway{i + 1}.baselineMiB"] = Math.Round(gatewayBaseline[i] / 1048576.0, 1);
            result.Metrics[$"gateway{i + 1}.heldMiB"] = Math.Round(gatewayHeld[i] / 1048576.0, 1);
        }

        var gatewayBytesPerConnection = perGateway == 0 ? 0 : (gatewayHeld.Sum() - gatewayBaseline.Sum()) / (double)playersAtMeasurement;
        var siloBytesPerPlayer = playersAtMeasurement == 0 ? 0 : (siloHeld - siloBaseline) / (double)playersAtMeasurement;
        result.Metrics["playersInWorld"] = playersAtMeasurement;
        result.Metrics["playersPerGateway"] = Math.Round(perGateway);
        result.Metrics["secondsToAllInWorld"] = allInAt is { } all ? Math.Round(all.TotalSeconds, 1) : -1;
        result.Metrics["gatewayKiBPerConnection"] = Math.Round(gatewayBytesPerConnection / 1024, 2);
        result.Metrics["siloKiBPerPlayer"] = Math.Round(siloBytesPerPlayer / 1024, 2);
        if (playersAtMeasurement > 0)
        {
            result.Metrics["gatewayHeapKiBPerConnection"] = Math.Round((gatewayHeapHeld - gatewayHeapBaseline.Sum()) / 1024.0 / playersAtMeasurement, 2);
            result.Metrics["gatewayKiBPerConnectionAfterGc"] = Math.Round((gatewayCollectedResident - gatewayBaseline.Sum()) / 1024.0 / playersAtMeasurement, 2);
            result.Metrics["siloHeapKiBPerPlayer"] = Math.Round((siloHeapHeld - siloHeapBaseline) / 1024.0 / playersAtMeasurement, 2);
            result.Metrics["siloKiBPerPlayerAfterGc"] = Math.Round((siloCollectedResident - siloBaseline) / 1024.0 / playersAtMeasurement, 2);
        }

        result.Metrics["siloBaselineMiB"] = Math.Round(siloBaseline / 1048576.0, 1);
        result.Metrics["siloHeldMiB"] = Math.Round(siloHeld / 1048576.0, 1);
        result.Metrics["errors"] = summary.Errors.Values.Sum();
        result.Runs["hold"] = summary;
        result.Parameters["memoryTimeline"] = memoryTimeline;

        if (servers.Gateways.Count == 1)
        {
            result.Targets.Add(Target.AtLeast("in-world players held by one gateway process", perGateway, 19_000));
        }
        else
        {
            result.Targets.Add(Target.AtLeast("in-world players held by the machine", playersAtMeasurement, 50_000));
        }

        // Judged after a full GC: server GC lets garbage pile up until it needs the room, so resident memory
        // before one says more about the GC's pacing than about what a connection holds (both are recorded).
        result.Targets.Add(Target.AtMost("gateway memory per connection after a full GC (KiB)", result.Metrics.GetValueOrDefault("gatewayKiBPerConnectionAfterGc"), 16));
        Console.WriteLine($"{playersAtMeasurement:N0} players in the world: gateway {gatewayBytesPerConnection / 1024:0.0} KiB per connection resident "
            + $"({result.Metrics.GetValueOrDefault("gatewayKiBPerConnectionAfterGc"):0.0} after a full GC, managed heap {result.Metrics.GetValueOrDefault("gatewayHeapKiBPerConnection"):0.0}), "
            + $"silo {siloBytesPerPlayer / 1024:0.0} KiB per player ({result.Metrics.GetValueOrDefault("siloKiBPerPlayerAfterGc"):0.0} after a full GC)");
        await result.WriteAsync(options.Out);
        return 0;
    }
}
