using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// d. Login storm. Online players (from the seed, resumed) sit in the world asking for their own state
/// (GetPlayer, the full path) a few times a second. Their latency is measured for a while; then thousands
/// of accounts with real password hashes log in at once, far more than the silo's hashing admits, retrying
/// BUSY after retry_after as a client should. Reported: logins per second at saturation, login latency,
/// the silo's CPU during the storm, and the online players' p99 before versus during.
/// </summary>
public static class LoginStormBenchmark
{
    public sealed record Options(
        int Online, double ProbeRate, int Storm, int Concurrency, TimeSpan Before, TimeSpan Duration, string SeedDirectory, string RunDirectory, string? Out,
        int StormSources = 1, int OnlineProcesses = 2, bool CheapHashes = false, double? SessionStartsPerSecond = null, int WarmupLogins = 50,
        double? ControlCores = null);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        // With cheap hashes the storm logs in to the seed's player accounts after the online ones (hashed at the
        // fixture cost, and the servers set to that cost, so no login rehashes): the storm's traffic without its
        // hashing CPU, to tell apart what each costs the online players.
        var seed = options.CheapHashes
            ? BenchmarkSeed.Require(options.SeedDirectory, options.Online + options.Storm + options.WarmupLogins)
            : BenchmarkSeed.Require(options.SeedDirectory, options.Online, options.Storm + options.WarmupLogins);
        var runDirectory = Path.Combine(options.RunDirectory, $"login-storm-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Console.WriteLine($"login-storm: {options.Online:N0} online players probing at {options.ProbeRate:0.#}/s each; {options.Storm:N0} logins, {options.Concurrency} at once");
        var result = new BenchmarkResult("login-storm")
        {
            Parameters =
            {
                ["online"] = options.Online,
                ["probeRate"] = options.ProbeRate,
                ["storm"] = options.Storm,
                ["concurrency"] = options.Concurrency,
                ["beforeSeconds"] = options.Before.TotalSeconds,
                ["stormSeconds"] = options.Duration.TotalSeconds,
                ["passwordIterations"] = options.CheapHashes ? SeedCommand.FixtureIterations : ServerSet.PasswordIterations,
                ["sessionStartsPerSecond"] = ServerSetOptions.SessionStartsPerSecond(options.SessionStartsPerSecond),
                ["hashingMaxConcurrent"] = Math.Max(1, Environment.ProcessorCount / 2),
                ["stormSources"] = options.StormSources,
                ["warmupLogins"] = options.WarmupLogins,
                ["onlineProcesses"] = options.OnlineProcesses,
                ["controlCores"] = options.ControlCores ?? -1,
            },
        };

        // Default hashing settings: at most half the cores hash at once; that is what is being tested.
        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SqliteTemplate = seed.Database,
            FixtureIterations = options.CheapHashes ? SeedCommand.FixtureIterations : null,
            GatewaySettings = ServerSetOptions.SessionStartsSettings(options.SessionStartsPerSecond),
        }, seed, Console.Out);

        var online = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Bots = options.Online,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = 0,
            ChatInterval = TimeSpan.Zero,
            GetPlayerRate = options.ProbeRate,
            LoginConcurrency = 64,
            Duration = TimeSpan.FromHours(1),
        };
        var storm = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Bots = options.Storm,
            Prefix = options.CheapHashes ? BenchmarkSeed.Prefix : BenchmarkSeed.StormPrefix,
            FirstIndex = options.CheapHashes ? options.Online : 0,
            LoginOnly = true,
            LoginConcurrency = options.Concurrency,
            RampPerSecond = 0,
            Duration = options.Duration,
            RequestTimeout = TimeSpan.FromSeconds(30),
            // One address (a NAT, a campus) or many: the per-address login throttle sees the storm differently.
            Sources = options.StormSources <= 1 ? [] : StormSourceAddresses(options.StormSources),
        };

        // The online players entered with seeded tickets (200 real hashes would take minutes), so without this the
        // storm's first logins would be the first the servers ever ran: every method of the login path compiled by
        // the JIT in the storm's first seconds (0.5-0.6 s of JIT a second in each server, measured). Players who
        // logged in to play would have warmed it; a few logins of accounts the storm does not use do it here.
        var warmupSettings = storm with
        {
            Bots = options.WarmupLogins,
            FirstIndex = storm.FirstIndex + options.Storm,
            LoginConcurrency = 4,
            Sources = [],
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? allInAt = null;
        MetricsSnapshot? notAllIn = null;
        MetricsSnapshot? beforeStart = null, stormStart = null, stormEnd = null;
        // A few seconds into the storm: its first seconds (every storm client connecting and saying Hello and Login
        // at once) told apart from the rest of it.
        MetricsSnapshot? stormSettled = null, gatewayStormSettled = null;
        // The same requests timed inside the gateway (frame in -> answer queued) at the same moments: the servers'
        // share of the online players' latency, told apart from their sockets and processes.
        MetricsSnapshot? gatewayBeforeStart = null, gatewayStormStart = null, gatewayStormEnd = null;
        MetricsSnapshot GatewayMetrics() => servers.Gateways[0].Metrics;
        TimeSpan siloCpuAtStorm = default, siloCpuAfterStorm = default;
        // Every process's CPU in both windows: what the storm adds to the machine, process by process (this one runs
        // the storm's clients, or the burner of the control).
        var cpuProcesses = new Dictionary<string, int>
        {
            ["silo"] = servers.Silo.Pid,
            ["gateway"] = servers.Gateways[0].Pid,
            ["storm"] = CpuWindow.Self,
        };
        var cpuBefore = new CpuWindow(cpuProcesses);
        var cpuDuring = new CpuWindow(cpuProcesses);
        var stormClock = new System.Diagnostics.Stopwatch();
        Task<RunSummary>? stormRun = null;
        Task<RunSummary>? warmupRun = null;
        TimeSpan? warmedAt = null;
        // The online players' latency is measured in worker processes of their own (--online-processes 2 or more),
        // so the storm's thousands of clients in this process do not delay the measurement itself.
        var onlineRun = BotRunner.RunAsync(online, options.OnlineProcesses, Console.Out, stop.Token, snapshot =>
        {
            if (allInAt is null && snapshot.Counter(Counter.InWorld) >= options.Online)
            {
                allInAt = clock.Elapsed;
            }
            else if (allInAt is null && notAllIn is null && clock.Elapsed >= OnlineEntry.Bound)
            {
                notAllIn = snapshot;
                Console.WriteLine(OnlineEntry.NotAllIn(snapshot, options.Online));
                stop.Cancel();
            }

            if (allInAt is not null && warmupRun is null)
            {
                Console.WriteLine($"warming the login path: {options.WarmupLogins} logins");
                warmupRun = options.WarmupLogins > 0 ? BotRunner.RunInProcessAsync(warmupSettings, null, null, stop.Token) : Task.FromResult(new RunSummary());
            }

            if (warmupRun is { IsCompleted: true } && warmedAt is null)
            {
                warmedAt = clock.Elapsed;
            }

            // Five seconds to settle after the last arrival and the warm-up, then the "before" window.
            if (warmedAt is { } at && beforeStart is null && clock.Elapsed - at >= TimeSpan.FromSeconds(5))
            {
                beforeStart = snapshot;
                gatewayBeforeStart = GatewayMetrics();
                cpuBefore.Start();
            }

            if (beforeStart is not null && stormStart is null && snapshot.ElapsedSeconds - beforeStart.ElapsedSeconds >= options.Before.TotalSeconds)
            {
                stormStart = snapshot;
                gatewayStormStart = GatewayMetrics();
                cpuBefore.Stop();
                cpuDuring.Start();
                siloCpuAtStorm = servers.Silo.CpuTime();
                stormClock.Start();
                if (options.ControlCores is { } cores)
                {
                    Console.WriteLine($"control: {cores:0.##} cores of plain CPU work instead of the storm");
                    stormRun = CpuBurner.RunAsync(cores, options.Duration, stop.Token);
                }
                else
                {
                    Console.WriteLine("storm starts");
                    stormRun = BotRunner.RunInProcessAsync(storm, null, null, stop.Token);
                }
            }

            if (stormStart is not null && stormSettled is null && snapshot.ElapsedSeconds - stormStart.ElapsedSeconds >= StormOpeningSeconds)
            {
                stormSettled = snapshot;
                gatewayStormSettled = GatewayMetrics();
            }

            if (stormRun is { IsCompleted: true } && stormEnd is null)
            {
                stormEnd = snapshot;
                gatewayStormEnd = GatewayMetrics();
                cpuDuring.Stop();
                siloCpuAfterStorm = servers.Silo.CpuTime();
                stormClock.Stop();
                stop.Cancel();
            }
        });
        var onlineSummary = await onlineRun;
        var warmupSummary = warmupRun is null ? null : await warmupRun;
        var stormSummary = stormRun is null ? null : await stormRun;
        result.Runs["online"] = onlineSummary;
        if (stormSummary is null || beforeStart is null || stormStart is null || stormEnd is null)
        {
            result.Notes.Add(notAllIn is not null ? OnlineEntry.NotAllIn(notAllIn, options.Online) : "the storm did not run to its end");
            await result.WriteAsync(options.Out);
            return 1;
        }

        result.Runs["storm"] = stormSummary;
        result.Metrics["warmupLoggedIn"] = warmupSummary?.Counters.GetValueOrDefault(nameof(Counter.LoggedIn)) ?? 0;
        string[] probe = ["GetPlayer"];
        string[] gatewayProbe = ["mmo.gateway.request.duration/GetPlayer"];
        var before = OnlineLatency.Between(beforeStart, stormStart, probe);
        var during = OnlineLatency.Between(stormStart, stormEnd, probe);
        var afterOpening = OnlineLatency.Between(stormSettled ?? stormStart, stormEnd, probe);
        var gatewayBefore = OnlineLatency.Between(gatewayBeforeStart!, gatewayStormStart!, gatewayProbe);
        var gatewayDuring = OnlineLatency.Between(gatewayStormStart!, gatewayStormEnd!, gatewayProbe);
        var gatewayAfterOpening = OnlineLatency.Between(gatewayStormSettled ?? gatewayStormStart!, gatewayStormEnd!, gatewayProbe);
        var stormSeconds = stormClock.Elapsed.TotalSeconds;
        var logins = stormSummary.Counters.GetValueOrDefault(nameof(Counter.LoggedIn));
        result.Metrics["loginsPerSecond"] = Math.Round(logins / stormSummary.ElapsedSeconds, 1);
        result.Metrics["logins"] = logins;
        result.Metrics["loginP50Ms"] = stormSummary.Latency.GetValueOrDefault("Login")?.P50Ms ?? 0;
        result.Metrics["loginP99Ms"] = stormSummary.Latency.GetValueOrDefault("Login")?.P99Ms ?? 0;
        // BUSY, LOGIN_THROTTLED and RATE_LIMITED: answers to come back later, which the bots did.
        result.Metrics["retriedLater"] = stormSummary.Counters.GetValueOrDefault(nameof(Counter.RetriedLater));
        // Storm clients cut off (e.g. for not logging in in time) and reconnecting: churn the storm adds.
        result.Metrics["stormDisconnects"] = stormSummary.Counters.GetValueOrDefault(nameof(Counter.Disconnects));
        result.Metrics["siloCpuCoresDuringStorm"] = Math.Round((siloCpuAfterStorm - siloCpuAtStorm).TotalSeconds / stormSeconds, 2);
        CpuWindow.Record(result.Metrics, cpuBefore, cpuDuring);

        OnlineLatency.Record(result.Metrics, before, during, gatewayBefore, gatewayDuring);
        // Not the goal's figure (that is the whole storm): where in the storm the rise is.
        result.Metrics["onlineP99MsDuringAfterOpening"] = afterOpening.P99Ms;
        result.Metrics["gatewayP99MsDuringAfterOpening"] = gatewayAfterOpening.P99Ms;
        result.Targets.Add(Target.AtMost("online players' p99 rise during the storm (fraction)", result.Metrics["onlineP99Rise"], 0.25));
        result.Targets.Add(Target.AtMost("silo CPU during the storm (cores; hashing capped at one)", result.Metrics["siloCpuCoresDuringStorm"], 1.25));
        Console.WriteLine($"{logins:N0} logins in {stormSummary.ElapsedSeconds:0.0} s = {result.Metrics["loginsPerSecond"]:0.0}/s; silo {result.Metrics["siloCpuCoresDuringStorm"]:0.00} cores; "
            + $"{CpuWindow.Compare(cpuBefore, cpuDuring)}; "
            + $"online p99 {before.P99Ms:0.00} -> {during.P99Ms:0.00} ms ({afterOpening.P99Ms:0.00} ms after the first {StormOpeningSeconds:0} s; in the gateway {gatewayBefore.P99Ms:0.00} -> {gatewayDuring.P99Ms:0.00} ms, {gatewayAfterOpening.P99Ms:0.00} ms after the first seconds)");
        await result.WriteAsync(options.Out);
        return 0;
    }

    private const double StormOpeningSeconds = 3;

    /// <summary>127.0.1.1 onwards: loopback addresses the gateway's per-address limits see as distinct clients.</summary>
    private static IReadOnlyList<System.Net.IPAddress> StormSourceAddresses(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new System.Net.IPAddress([127, (byte)(1 + (i / 254 / 254)), (byte)(1 + (i / 254 % 254)), (byte)(1 + (i % 254))]))];
}
