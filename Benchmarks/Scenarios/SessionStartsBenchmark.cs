using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// What one session start costs the servers: seeded players arrive (resume with their ticket, ListCharacters,
/// EnterWorld, as the queue benchmark's arrivals do) into an empty world with room for all, and the silo's and
/// the gateway's managed allocation, GC counts and CPU are read (exactly, from each process, see
/// <see cref="ServerHost.AllocatedLine"/>) before and after. Bytes per session start are the window's allocation
/// less what the servers allocate anyway (idle before, and with everyone in the world after, averaged), divided
/// by the arrivals. This is the number behind the login queue's GC pauses (issues 13, 15); it is cheap and steady
/// enough to compare branches, where the queue benchmark's latency is not.
/// </summary>
public static class SessionStartsBenchmark
{
    public sealed record Options(
        int Arrivals, int WarmupArrivals, TimeSpan Idle, int LoginConcurrency, double? SessionStartsPerSecond, TimeSpan MaxDuration,
        string SeedDirectory, string RunDirectory, string? Out);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var seed = BenchmarkSeed.Require(options.SeedDirectory, options.WarmupArrivals + options.Arrivals);
        var runDirectory = Path.Combine(options.RunDirectory, $"session-starts-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Console.WriteLine($"session-starts: {options.WarmupArrivals:N0} warm-up arrivals, then {options.Arrivals:N0} measured");
        var result = new BenchmarkResult("session-starts")
        {
            Parameters =
            {
                ["arrivals"] = options.Arrivals,
                ["warmupArrivals"] = options.WarmupArrivals,
                ["idleSeconds"] = options.Idle.TotalSeconds,
                ["loginConcurrency"] = options.LoginConcurrency,
                ["sessionStartsPerSecond"] = ServerSetOptions.SessionStartsPerSecond(options.SessionStartsPerSecond),
            },
        };

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SqliteTemplate = seed.Database,
            SiloSettings = [("Admin:Key", QueueBenchmark.AdminKey)],
            GatewaySettings = ServerSetOptions.SessionStartsSettings(options.SessionStartsPerSecond),
        }, seed, Console.Out);
        ServerProcess[] processes = [servers.Silo, servers.Gateways[0]];

        // Room for everyone: a queue would add its own traffic (position pushes) to what is measured.
        using (var api = new OperatorApi(servers.SiloAdminPort, QueueBenchmark.AdminKey))
        {
            await api.SetCapacityAsync(await api.DefaultWorldAsync(cancellationToken), options.WarmupArrivals + options.Arrivals + 100, cancellationToken);
        }

        BotSettings Arrivals(int first, int count) => new()
        {
            Gateways = servers.GameEndpoints,
            Bots = count,
            FirstIndex = first,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = 0,
            ChatInterval = TimeSpan.Zero,
            RampPerSecond = 0,
            LoginConcurrency = options.LoginConcurrency,
            Duration = options.MaxDuration,
            RequestTimeout = TimeSpan.FromSeconds(30),
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = new List<Task<RunSummary>>();
        MetricsSnapshot? arrived = null;
        try
        {
            // Warm-up arrivals first: the first session starts of a process pay for JIT and first-use caches, which
            // no later start does. They stay in the world, as the measured ones do.
            if (options.WarmupArrivals > 0)
            {
                Console.WriteLine("warm-up arrivals");
                runs.Add((await ArriveAsync(Arrivals(0, options.WarmupArrivals), options.WarmupArrivals, stop.Token)).Run);
            }

            Console.WriteLine($"idle {options.Idle.TotalSeconds:0.#} s");
            var idleStart = await ReadAsync(processes, stop.Token);
            await Task.Delay(options.Idle, stop.Token);
            var idleEnd = await ReadAsync(processes, stop.Token);
            var idleClock = options.Idle.TotalSeconds;

            Console.WriteLine("arrivals start");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var start = await ReadAsync(processes, stop.Token);
            (var run, arrived) = await ArriveAsync(Arrivals(options.WarmupArrivals, options.Arrivals), options.Arrivals, stop.Token);
            runs.Add(run);
            var end = await ReadAsync(processes, stop.Token);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"every arrival is in the world after {seconds:0.0} s; idle {options.Idle.TotalSeconds:0.#} s with them in");
            await Task.Delay(options.Idle, stop.Token);
            var after = await ReadAsync(processes, stop.Token);

            result.Metrics["arrivalSeconds"] = Math.Round(seconds, 1);
            result.Metrics["arrivalsRetriedLater"] = arrived.Counter(Counter.RetriedLater);
            result.Metrics["enteredWorld"] = arrived.Counter(Counter.EnteredWorld);
            for (var i = 0; i < processes.Length; i++)
            {
                var name = i == 0 ? "silo" : "gateway";
                var window = end[i].Since(start[i]);
                var idleRate = idleEnd[i].Since(idleStart[i]).AllocatedBytes / idleClock;
                var afterRate = after[i].Since(end[i]).AllocatedBytes / options.Idle.TotalSeconds;
                // What the process allocates without arrivals grows from the idle rate to the rate with everyone in:
                // their mean, over the window, is taken away.
                var background = (idleRate + afterRate) / 2 * seconds;
                var perStart = (window.AllocatedBytes - background) / options.Arrivals;
                result.Metrics[$"{name}.kbPerSessionStart"] = Math.Round(perStart / 1024, 1);
                result.Metrics[$"{name}.rawKbPerSessionStart"] = Math.Round(window.AllocatedBytes / 1024.0 / options.Arrivals, 1);
                result.Metrics[$"{name}.allocatedMiB"] = Math.Round(window.AllocatedBytes / (1024.0 * 1024), 1);
                result.Metrics[$"{name}.idleMiBPerSecond"] = Math.Round(idleRate / (1024 * 1024), 2);
                result.Metrics[$"{name}.inWorldMiBPerSecond"] = Math.Round(afterRate / (1024 * 1024), 2);
                result.Metrics[$"{name}.gen0"] = window.Gen0;
                result.Metrics[$"{name}.gen1"] = window.Gen1;
                result.Metrics[$"{name}.gen2"] = window.Gen2;
                result.Metrics[$"{name}.gcPauseMs"] = Math.Round(window.PauseMs, 1);
                result.Metrics[$"{name}.cpuMsPerSessionStart"] = Math.Round(window.Cpu.TotalMilliseconds / options.Arrivals, 2);
                Console.WriteLine($"{name}: {perStart / 1024:0.0} KB allocated per session start ({window.AllocatedBytes / 1024.0 / options.Arrivals:0.0} KB raw), "
                    + $"{window.Gen0}/{window.Gen1}/{window.Gen2} GCs, {window.PauseMs:0} ms paused, {window.Cpu.TotalMilliseconds / options.Arrivals:0.00} ms CPU per start");
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var run in runs)
            {
                await run.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        result.Runs["arrivals"] = runs[^1].Result;
        await result.WriteAsync(options.Out);
        return 0;

        // Starts the bots and returns, with them still in the world, once all have entered (seen within a second).
        async Task<(Task<RunSummary> Run, MetricsSnapshot Entered)> ArriveAsync(BotSettings settings, int count, CancellationToken token)
        {
            var entered = new TaskCompletionSource<MetricsSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = BotRunner.RunInProcessAsync(settings, null, s =>
            {
                if (s.Counter(Counter.EnteredWorld) >= count)
                {
                    entered.TrySetResult(s);
                }
            }, token);
            await Task.WhenAny(entered.Task, run);
            if (!entered.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the bots stopped before all {count} had entered the world: {(await run).Errors.Count} kinds of errors");
            }

            return (run, await entered.Task);
        }
    }

    private static async Task<GcReading[]> ReadAsync(IReadOnlyList<ServerProcess> processes, CancellationToken cancellationToken) =>
        await Task.WhenAll(processes.Select(p => p.ReadAllocationAsync(cancellationToken)));
}
