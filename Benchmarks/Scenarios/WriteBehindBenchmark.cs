using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// e. Write-behind: players walk (every accepted move changes their stored state) while the database
/// counts the writes. Mutations are the silo's accepted moves (<c>mmo.world.moves</c>); writes are read
/// from the storage itself: the grain state table's <c>Version</c> goes up by one per write, so the sum of
/// the players' versions before and after counts every write, whoever issued it. The write-behind
/// facet's own counters (Meter <c>OrleansMmo.Persistence</c>) are reported beside them. Runs on SQLite, and
/// on PostgreSQL when a connection string is given (test.sh exports one as MMO_TEST_POSTGRES).
/// </summary>
public static class WriteBehindBenchmark
{
    private static readonly string[] Engines = ["sqlite", "postgres"];

    public sealed record Options(int Players, double MoveRate, TimeSpan Duration, string? Postgres, string SeedDirectory, string RunDirectory, string? Out);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var result = new BenchmarkResult("write-behind")
        {
            Parameters =
            {
                ["players"] = options.Players,
                ["moveRate"] = options.MoveRate,
                ["durationSeconds"] = options.Duration.TotalSeconds,
            },
        };
        await RunEngineAsync("sqlite", null, options, result, cancellationToken);
        if (!string.IsNullOrWhiteSpace(options.Postgres))
        {
            await RunEngineAsync("postgres", options.Postgres, options, result, cancellationToken);
        }
        else
        {
            result.Notes.Add("PostgreSQL skipped: no --postgres connection string and no MMO_TEST_POSTGRES");
        }

        foreach (var engine in Engines)
        {
            if (result.Metrics.TryGetValue($"{engine}.mutationsPerWrite", out var ratio))
            {
                result.Targets.Add(Target.AtLeast($"{engine}: mutations per storage write", ratio, 50));
            }
        }

        await result.WriteAsync(options.Out);
        return 0;
    }

    private static async Task RunEngineAsync(string engine, string? postgres, Options options, BenchmarkResult result, CancellationToken cancellationToken)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var serviceId = $"bench-wb-{engine}-{stamp}";
        Console.WriteLine($"write-behind/{engine}: {options.Players:N0} players moving at {options.MoveRate:0.#} Hz for {options.Duration.TotalSeconds:0} s");
        var runDirectory = Path.Combine(options.RunDirectory, $"write-behind-{engine}-{stamp}");
        var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            Postgres = postgres,
            ServiceId = serviceId,
            // Fresh accounts (this run's own service id): hash with both cores to make them quickly.
            SiloSettings = [("Accounts:PasswordHashing:MaxConcurrent", "2")],
        }, null, Console.Out);
        var counter = new StoredPlayerVersions(engine == "postgres" ? postgres : null, servers.DatabaseFile, serviceId);
        Window? start = null, end = null;
        RunSummary summary;
        try
        {
            var settings = new BotSettings
            {
                Gateways = servers.GameEndpoints,
                Bots = options.Players,
                Prefix = "wb",
                MoveRate = options.MoveRate,
                PortalChance = 0,
                ChatInterval = TimeSpan.Zero,
                Duration = TimeSpan.FromHours(1),
            };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var measuring = 0;
            summary = await BotRunner.RunInProcessAsync(settings, Console.Out, snapshot =>
            {
                if (stop.IsCancellationRequested || Interlocked.Exchange(ref measuring, 1) == 1)
                {
                    return;
                }

                try
                {
                    // Database reads happen on the progress tick; one at a time.
                    if (start is null && snapshot.Counter(Counter.InWorld) >= options.Players)
                    {
                        start = new Window(snapshot.ElapsedSeconds, servers.Silo.Metrics, counter.Sum());
                    }
                    else if (start is not null && snapshot.ElapsedSeconds - start.Seconds >= options.Duration.TotalSeconds)
                    {
                        end = new Window(snapshot.ElapsedSeconds, servers.Silo.Metrics, counter.Sum());
                        stop.Cancel();
                    }
                }
                finally
                {
                    Volatile.Write(ref measuring, 0);
                }
            }, stop.Token);
        }
        finally
        {
            // A graceful stop flushes what is dirty: counted separately below.
            await servers.DisposeAsync();
        }

        result.Runs[engine] = summary;
        if (start is null || end is null)
        {
            result.Notes.Add($"{engine}: the measurement window was not reached (players in world: {summary.PeakInWorld:N0} of {options.Players:N0})");
            return;
        }

        var afterShutdown = counter.Sum();
        var seconds = end.Seconds - start.Seconds;
        long Delta(string name) => end.Silo.CounterSince(start.Silo, name);
        var moves = Delta("mmo.world.moves");
        var writes = end.StorageWrites - start.StorageWrites;
        result.Metrics[$"{engine}.seconds"] = Math.Round(seconds, 1);
        result.Metrics[$"{engine}.mutations"] = moves;
        result.Metrics[$"{engine}.mutationsPerSecond"] = Math.Round(moves / seconds, 1);
        result.Metrics[$"{engine}.storageWrites"] = writes;
        result.Metrics[$"{engine}.storageWritesPerSecond"] = Math.Round(writes / seconds, 1);
        result.Metrics[$"{engine}.mutationsPerWrite"] = writes == 0 ? moves : Math.Round((double)moves / writes, 1);
        result.Metrics[$"{engine}.shutdownFlushWrites"] = afterShutdown - end.StorageWrites;
        result.Metrics[$"{engine}.facet.mutations"] = Delta("orleansmmo.persistence.mutations");
        result.Metrics[$"{engine}.facet.writes"] = Delta("orleansmmo.persistence.writes");
        result.Metrics[$"{engine}.facet.writeFailures"] = Delta("orleansmmo.persistence.write_failures");
        Console.WriteLine($"write-behind/{engine}: {moves:N0} moves, {writes:N0} player state writes in {seconds:0} s = {result.Metrics[$"{engine}.mutationsPerWrite"]:0.0} mutations per write"
            + $" (+{afterShutdown - end.StorageWrites:N0} at shutdown)");
    }

    private sealed record Window(double Seconds, MetricsSnapshot Silo, long StorageWrites);
}
