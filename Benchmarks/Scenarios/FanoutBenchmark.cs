using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Bots.Raw;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// c. Zone fan-out: N players in one zone (the start zone, 1,000 m x 1,000 m), each moving 10 times a second.
/// <list type="bullet">
/// <item>spread: placed uniformly over the zone and wandering all of it;</item>
/// <item>clumped: placed within a small radius of the zone's centre and wandering there, so everyone
/// sees everyone (the zone's MaxVisibleEntities cap bounds each update).</item>
/// </list>
/// The players are driven by the raw driver (<c>--driver raw</c>, the default: bare sockets, one send loop writing
/// every player's moves without awaiting answers, readers that only count; <see cref="RawDriver"/>), or by the bot
/// tool's bots (<c>--driver bots</c>: a full SDK client per player awaiting each move's answer and decoding every
/// push), which on this machine could not drive 2,000 players at 10 Hz.
/// Measured: entity updates delivered per second (entered + moved, counted by the driver from the WorldUpdate
/// pushes it reads), the zone tick duration (histogram <c>mmo.zone.tick.duration</c> read from the silo's
/// meter), moves per second and their latency, frames the zone had to drop, and the cores each process used in
/// the measured window (silo, gateway, and this process, the load driver; from <c>/proc</c>), so a result
/// shows whether the servers or the load driver held the machine. Also recorded: how many characters the fixture
/// placed where the case wants them (<c>{case}.placed</c>); a case whose players start elsewhere measures nothing.
/// </summary>
public static class FanoutBenchmark
{
    private const string Zone = "meadow";
    private const float ZoneCentre = 500;

    public sealed record Options(
        int Players, double MoveRate, TimeSpan Warmup, TimeSpan Duration, double ClumpRadius, string Cases, string SeedDirectory, string RunDirectory, string? Out,
        int Creatures = 0, string Creature = "rabbit", string Driver = "raw", int MaxInFlight = 0);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var seed = BenchmarkSeed.Require(options.SeedDirectory, options.Players);
        var result = new BenchmarkResult("fanout")
        {
            Parameters =
            {
                ["players"] = options.Players,
                ["moveRate"] = options.MoveRate,
                ["warmupSeconds"] = options.Warmup.TotalSeconds,
                ["durationSeconds"] = options.Duration.TotalSeconds,
                ["clumpRadius"] = options.ClumpRadius,
                ["zone"] = Zone,
                ["creatures"] = options.Creatures,
                ["creature"] = options.Creature,
                ["driver"] = options.Driver,
                ["maxInFlight"] = options.MaxInFlight,
            },
        };
        var cases = options.Cases == "both" ? ["spread", "clumped"] : new[] { options.Cases };
        foreach (var name in cases)
        {
            var radius = name == "clumped" ? options.ClumpRadius : 0;
            await RunCaseAsync(name, radius, options, seed, result, cancellationToken);
        }

        if (result.Metrics.TryGetValue("spread.entityUpdatesPerSecond", out var spreadUpdates))
        {
            result.Targets.Add(Target.AtLeast("spread: entity updates delivered per second", spreadUpdates, 300_000));
            result.Targets.Add(Target.AtMost("spread: zone tick p99 (ms)", result.Metrics["spread.tickP99Ms"], 50));
        }

        if (result.Metrics.TryGetValue("clumped.tickP99Ms", out var clumpedTick))
        {
            result.Targets.Add(Target.AtMost("clumped: zone tick p99 (ms), bounded", clumpedTick, 100));
        }

        await result.WriteAsync(options.Out);
        return 0;
    }

    private static async Task RunCaseAsync(string name, double radius, Options options, BenchmarkSeed seed, BenchmarkResult result, CancellationToken cancellationToken)
    {
        Console.WriteLine($"fanout/{name}: {options.Players:N0} players in {Zone} at {options.MoveRate:0.#} Hz"
            + (radius > 0 ? $", within {radius:0} m of the centre" : ", spread over the zone"));
        var runDirectory = Path.Combine(options.RunDirectory, $"fanout-{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        List<(string Key, string Value)> siloSettings = [];
        if (options.Creatures > 0)
        {
            siloSettings.Add(("World:GameDataPath", WriteGameDataWithCreatures(runDirectory, options.Creatures, options.Creature)));
        }

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SiloSettings = siloSettings,
            SqliteTemplate = seed.Database,
            PlacePlayers = PlayerPlacement.Spec(BenchmarkSeed.Prefix, options.Players, Zone, ZoneCentre, ZoneCentre, (float)radius),
            // Ten moves a second is well inside the default 100 requests/s per connection; nothing lifted.
        }, seed, Console.Out);
        var placed = int.Parse(await servers.Silo.WaitForLineAsync(PlayerPlacement.DoneLine, cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        result.Metrics[$"{name}.placed"] = placed;
        Console.WriteLine($"fanout/{name}: {placed:N0} of {options.Players:N0} characters placed in {Zone}" + (radius > 0 ? $" within {radius:0} m of the centre" : ""));
        if (placed < options.Players)
        {
            result.Notes.Add($"{name}: only {placed:N0} of {options.Players:N0} characters were placed in {Zone}; the others play where the seed left them");
        }

        var cpu = new CpuWindow(new Dictionary<string, int>
        {
            ["silo"] = servers.Silo.Pid,
            ["gateway"] = servers.Gateways[0].Pid,
            ["driver"] = CpuWindow.Self,
        });

        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Bots = options.Players,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = options.MoveRate,
            RoamRadius = radius,
            PortalChance = 0,
            ChatInterval = TimeSpan.Zero,
            Duration = TimeSpan.FromHours(1),
            RampPerSecond = 500,
            LoginConcurrency = 64,
            // Everyone in first, then the crowd moves: logins are not starved by a growing crowd's updates.
            MovesStart = allIn.Task,
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? allInAt = null;
        Window? start = null;
        Window? end = null;
        // raw: bare sockets, one send loop, counting parsers (Bots/Raw); bots: a full SDK client per player.
        var summary = options.Driver == "bots"
            ? await BotRunner.RunInProcessAsync(settings, Console.Out, OnSnapshot, stop.Token)
            : await RawDriver.RunInProcessAsync(settings, Console.Out, OnSnapshot, stop.Token, options.MaxInFlight);
        void OnSnapshot(MetricsSnapshot snapshot)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            if (allInAt is null && snapshot.Counter(Counter.InWorld) >= options.Players)
            {
                allInAt = clock.Elapsed;
                allIn.TrySetResult();
            }

            if (allInAt is { } at && start is null && clock.Elapsed - at >= options.Warmup)
            {
                start = new Window(snapshot, servers.Silo.Metrics, servers.Gateways[0].Metrics);
                cpu.Start();
            }

            if (start is not null && snapshot.ElapsedSeconds - start.Bots.ElapsedSeconds >= options.Duration.TotalSeconds)
            {
                end = new Window(snapshot, servers.Silo.Metrics, servers.Gateways[0].Metrics);
                cpu.Stop();
                stop.Cancel();
            }
        }

        result.Runs[name] = summary;
        if (start is null || end is null)
        {
            result.Notes.Add($"{name}: the measurement window was not reached (players in world: {summary.PeakInWorld:N0} of {options.Players:N0})");
            return;
        }

        var seconds = end.Bots.ElapsedSeconds - start.Bots.ElapsedSeconds;
        double BotRate(Counter counter) => Math.Round((end.Bots.Counter(counter) - start.Bots.Counter(counter)) / seconds, 1);
        double SiloRate(string counter) =>
            Math.Round(end.Silo.CounterSince(start.Silo, counter) / seconds, 1);
        var moves = LatencyHistogram.Summarize(LatencyHistogram.Subtract(end.Bots.LatencyOf(["Move"]), start.Bots.LatencyOf(["Move"])));
        var ticks = LatencyHistogram.Summarize(LatencyHistogram.Subtract(
            end.Silo.LatencyOf(["mmo.zone.tick.duration"]), start.Silo.LatencyOf(["mmo.zone.tick.duration"])));

        result.Metrics[$"{name}.entityUpdatesPerSecond"] = BotRate(Counter.EntityUpdates);
        result.Metrics[$"{name}.worldUpdatesPerSecond"] = BotRate(Counter.WorldUpdates);
        result.Metrics[$"{name}.entitiesLeftPerSecond"] = BotRate(Counter.EntitiesLeft);
        result.Metrics[$"{name}.movesPerSecond"] = BotRate(Counter.Moves);
        result.Metrics[$"{name}.moveCorrectionsPerSecond"] = BotRate(Counter.MoveCorrections);
        if (options.Driver != "bots")
        {
            // The raw driver does not await each answer: what it wrote, what was refused with an Error frame, and the
            // moves it did not write when due (a player's write still pending, or max_in_flight unanswered).
            result.Metrics[$"{name}.movesSentPerSecond"] = BotRate(Counter.MovesSent);
            result.Metrics[$"{name}.moveRefusalsPerSecond"] = BotRate(Counter.MovesRefused);
            result.Metrics[$"{name}.movesSkippedPerSecond"] = BotRate(Counter.MovesSkipped);
        }

        result.Metrics[$"{name}.moveP50Ms"] = moves.P50Ms;
        result.Metrics[$"{name}.moveP99Ms"] = moves.P99Ms;
        result.Metrics[$"{name}.tickP50Ms"] = ticks.P50Ms;
        result.Metrics[$"{name}.tickP99Ms"] = ticks.P99Ms;
        result.Metrics[$"{name}.tickMaxMs"] = ticks.MaxMs;
        // The tick's own CPU (its thread's, from the silo's meter): what the tick costs, apart from waiting for a core.
        var tickCpu = LatencyHistogram.Summarize(LatencyHistogram.Subtract(
            end.Silo.LatencyOf(["mmo.zone.tick.cpu_time"]), start.Silo.LatencyOf(["mmo.zone.tick.cpu_time"])));
        result.Metrics[$"{name}.tickCpuP50Ms"] = tickCpu.P50Ms;
        result.Metrics[$"{name}.tickCpuP99Ms"] = tickCpu.P99Ms;
        result.Metrics[$"{name}.ticksPerSecond"] = Math.Round(ticks.Count / seconds, 1);
        result.Metrics[$"{name}.serverEntityUpdatesPerSecond"] = SiloRate("mmo.zone.entity_updates");
        result.Metrics[$"{name}.serverMovesPerSecond"] = SiloRate("mmo.world.moves");
        result.Metrics[$"{name}.droppedFramesPerSecond"] = SiloRate("mmo.zone.dropped_frames");
        result.Metrics[$"{name}.deliveryFailuresPerSecond"] = SiloRate("mmo.zone.delivery_failures");
        // Zone deliveries the gateway ran after a later tick's (Orleans does not keep their order): let go, whole views next.
        result.Metrics[$"{name}.gatewayLateDeliveries"] = end.Gateway.CounterSince(start.Gateway, "mmo.gateway.late_deliveries");
        result.Metrics[$"{name}.measuredSeconds"] = Math.Round(seconds, 1);
        var steps = LatencyHistogram.Summarize(LatencyHistogram.Subtract(
            end.Silo.LatencyOf(["mmo.zone.creature_step.duration"]), start.Silo.LatencyOf(["mmo.zone.creature_step.duration"])));
        var simulated = end.Silo.CounterSince(start.Silo, "mmo.zone.creatures_simulated");
        result.Metrics[$"{name}.creatureStepP50Ms"] = steps.P50Ms;
        result.Metrics[$"{name}.creatureStepP99Ms"] = steps.P99Ms;
        result.Metrics[$"{name}.creaturesSimulatedPerTick"] = ticks.Count == 0 ? 0 : Math.Round((double)simulated / ticks.Count, 1);
        foreach (var (process, cores) in cpu.Cores)
        {
            result.Metrics[$"{name}.cpuCores.{process}"] = cores;
        }

        // The whole machine, so a window where other work held the cores shows as such (the others: this minus the three).
        result.Metrics[$"{name}.cpuCores.machine"] = cpu.MachineCores;

        Console.WriteLine($"fanout/{name}: {BotRate(Counter.EntityUpdates):N0} entity updates/s delivered, tick p50 {ticks.P50Ms:0.0} ms p99 {ticks.P99Ms:0.0} ms "
            + $"(its CPU p50 {tickCpu.P50Ms:0.0} ms p99 {tickCpu.P99Ms:0.0} ms), "
            + $"{BotRate(Counter.Moves):N0} moves/s answered (p50 {moves.P50Ms:0.0} ms, p99 {moves.P99Ms:0.0} ms), dropped frames {SiloRate("mmo.zone.dropped_frames"):N0}/s; "
            + "cores " + string.Join(", ", cpu.Cores.Select(p => $"{p.Key} {p.Value:0.00}")) + $", machine {cpu.MachineCores:0.00}");
    }

    /// <summary>
    /// The shipped game data with its spawns replaced by <paramref name="count"/> creatures of one
    /// template spread evenly over the zone (a grid of spawn points, 20 m across each).
    /// </summary>
    private static string WriteGameDataWithCreatures(string runDirectory, int count, string template)
    {
        var directory = Path.Combine(runDirectory, "gamedata");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GameData"), "*.json"))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        var side = (int)Math.Ceiling(Math.Sqrt(Math.Ceiling(count / 4.0)));
        var spawns = new List<object>();
        var left = count;
        for (var i = 0; i < side * side && left > 0; i++)
        {
            var n = Math.Min(4, left);
            left -= n;
            var x = (i % side + 0.5) * (2 * ZoneCentre) / side;
            var y = (i / side + 0.5) * (2 * ZoneCentre) / side;
            spawns.Add(new { zone = Zone, creature = template, at = new { x, y }, count = n, radius = 10 });
        }

        File.WriteAllText(Path.Combine(directory, "spawns.json"), System.Text.Json.JsonSerializer.Serialize(new { spawns }));
        return directory;
    }

    private sealed record Window(MetricsSnapshot Bots, MetricsSnapshot Silo, MetricsSnapshot Gateway);
}
