using System.Globalization;
using Npgsql;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// h. Storage writes at the database's limit (issue 15, "Capacity past this machine"): player-state writes per
/// second the write-behind path sustains with many grains writing at once, on SQLite and PostgreSQL. Thousands of
/// <see cref="StorageWriterGrain"/>s inside the silo change their player state every <c>--change-every</c> and
/// write it behind every <c>--interval</c>, together asking far more writes than a database takes; what the
/// database takes is the result. Writes are counted by the database itself (the sum of the rows' versions, +1 per
/// write) and by the write-behind facet (<c>orleansmmo.persistence.writes</c>), with the facet's write duration
/// and the CPU of the silo and, for PostgreSQL, of the server's processes (backends and background workers).
/// </summary>
public static class StorageWritesBenchmark
{
    public sealed record Options(
        int Writers, TimeSpan Interval, TimeSpan ChangeEvery, int WriteConcurrency, TimeSpan Warmup, TimeSpan Duration,
        string? Postgres, IReadOnlyList<string> Engines, string RunDirectory, string? Out);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var result = new BenchmarkResult("storage-writes")
        {
            Parameters =
            {
                ["writers"] = options.Writers,
                ["intervalSeconds"] = options.Interval.TotalSeconds,
                ["changeEverySeconds"] = options.ChangeEvery.TotalSeconds,
                ["maxConcurrentWrites"] = options.WriteConcurrency,
                ["warmupSeconds"] = options.Warmup.TotalSeconds,
                ["durationSeconds"] = options.Duration.TotalSeconds,
                ["engines"] = string.Join(",", options.Engines),
            },
        };
        if (options.Postgres is { } postgres)
        {
            // What the silo asks of Npgsql beyond where to connect (never the password): the run's connection string
            // with the silo's defaults for what it leaves unset.
            var builder = OrleansMmo.Silo.Storage.GameDatabase.PostgresConnection(postgres);
            result.Parameters["postgresMaxAutoPrepare"] = builder.MaxAutoPrepare;
            result.Parameters["postgresMaxPoolSize"] = builder.MaxPoolSize;
        }

        foreach (var engine in options.Engines)
        {
            if (engine == "postgres" && string.IsNullOrWhiteSpace(options.Postgres))
            {
                result.Notes.Add("PostgreSQL skipped: no --postgres connection string and no MMO_TEST_POSTGRES");
                continue;
            }

            await RunEngineAsync(engine, engine == "postgres" ? options.Postgres : null, options, result, cancellationToken);
        }

        await result.WriteAsync(options.Out);
        return 0;
    }

    private static async Task RunEngineAsync(string engine, string? postgres, Options options, BenchmarkResult result, CancellationToken cancellationToken)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var serviceId = $"bench-sw-{engine}-{stamp}";
        var offered = options.Writers / Math.Max(options.Interval.TotalSeconds, options.ChangeEvery.TotalSeconds);
        Console.WriteLine($"storage-writes/{engine}: {options.Writers:N0} grains, state changed every {options.ChangeEvery.TotalMilliseconds:0} ms, "
            + $"written behind every {options.Interval.TotalMilliseconds:0} ms ({offered:N0} writes/s asked), {options.WriteConcurrency} writes in flight at most");
        var servers = await ServerSet.StartAsync(Path.Combine(options.RunDirectory, $"storage-writes-{engine}-{stamp}"), new ServerSetOptions
        {
            Gateways = 0,
            Postgres = postgres,
            ServiceId = serviceId,
            StorageWriters = StorageWriters.Spec(options.Writers, options.ChangeEvery),
            SiloSettings =
            [
                ("WriteBehind:Interval", options.Interval.ToString("c", CultureInfo.InvariantCulture)),
                ("WriteBehind:MaxConcurrentWrites", options.WriteConcurrency.ToString(CultureInfo.InvariantCulture)),
            ],
        }, null, Console.Out);
        try
        {
            var running = await servers.Silo.WaitForLineAsync(StorageWriters.DoneLine, cancellationToken);
            Console.WriteLine($"storage-writes/{engine}: {running} writers running; warming up {options.Warmup.TotalSeconds:0} s");
            await Task.Delay(options.Warmup, cancellationToken);

            var counter = new StoredPlayerVersions(postgres, servers.DatabaseFile, serviceId);
            var cpu = new CpuWindow(engine == "postgres" ? PostgresProcesses(postgres!).Append(("silo", servers.Silo.Pid)).ToDictionary(p => p.Item1, p => p.Item2)
                : new Dictionary<string, int> { ["silo"] = servers.Silo.Pid });
            var startRows = counter.Sum();
            var startSilo = servers.Silo.Metrics;
            cpu.Start();
            await Task.Delay(options.Duration, cancellationToken);
            cpu.Stop();
            var endSilo = servers.Silo.Metrics;
            var endRows = counter.Sum();

            var seconds = cpu.Seconds;
            long Delta(string name) => endSilo.CounterSince(startSilo, name);
            var writes = endRows - startRows;
            var duration = LatencyHistogram.Summarize(LatencyHistogram.Subtract(
                endSilo.LatencyOf(["orleansmmo.persistence.write.duration"]), startSilo.LatencyOf(["orleansmmo.persistence.write.duration"])));
            var cores = cpu.Cores;
            var databaseCores = Math.Round(cores.Where(c => c.Key != "silo").Sum(c => c.Value), 3);
            result.Metrics[$"{engine}.seconds"] = Math.Round(seconds, 1);
            result.Metrics[$"{engine}.writesAskedPerSecond"] = Math.Round(offered, 1);
            result.Metrics[$"{engine}.storageWrites"] = writes;
            result.Metrics[$"{engine}.writesPerSecond"] = Math.Round(writes / seconds, 1);
            result.Metrics[$"{engine}.facet.writesPerSecond"] = Math.Round(Delta("orleansmmo.persistence.writes") / seconds, 1);
            result.Metrics[$"{engine}.facet.writeFailures"] = Delta("orleansmmo.persistence.write_failures");
            result.Metrics[$"{engine}.facet.conflicts"] = Delta("orleansmmo.persistence.conflicts");
            result.Metrics[$"{engine}.writeP50Ms"] = duration.P50Ms;
            result.Metrics[$"{engine}.writeP99Ms"] = duration.P99Ms;
            result.Metrics[$"{engine}.siloCores"] = cores["silo"];
            result.Metrics[$"{engine}.siloCpuUsPerWrite"] = writes > 0 ? Math.Round(cpu.CpuSeconds["silo"] * 1e6 / writes, 1) : 0;
            if (engine == "postgres")
            {
                result.Metrics[$"{engine}.databaseCores"] = databaseCores;
                result.Metrics[$"{engine}.databaseCpuUsPerWrite"] = writes > 0 ? Math.Round(databaseCores * seconds * 1e6 / writes, 1) : 0;
            }

            Console.WriteLine($"storage-writes/{engine}: {writes:N0} writes in {seconds:0.0} s = {writes / seconds:N0} writes/s "
                + $"(write p50 {duration.P50Ms:0.0} ms, p99 {duration.P99Ms:0.0} ms; silo {cores["silo"]:0.00} cores"
                + (engine == "postgres" ? $", postgres {databaseCores:0.00} cores)" : ")"));
        }
        finally
        {
            await servers.DisposeAsync();
        }
    }

    /// <summary>
    /// The processes of the PostgreSQL server the run uses, by pid: its backends and background workers as
    /// <c>pg_stat_activity</c> lists them (everything but the postmaster, which only forks), so another server on the
    /// machine is not counted.
    /// </summary>
    private static List<(string, int)> PostgresProcesses(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT pid, COALESCE(backend_type, '') FROM pg_stat_activity", connection);
        using var reader = command.ExecuteReader();
        var processes = new List<(string, int)>();
        while (reader.Read())
        {
            processes.Add(($"postgres-{reader.GetInt32(0)} {reader.GetString(1)}", reader.GetInt32(0)));
        }

        return processes;
    }
}
