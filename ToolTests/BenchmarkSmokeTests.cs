using System.Text.Json;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.ToolTests;

/// <summary>
/// A seed of a few accounts made once for the benchmark smoke tests (the benchmarks' own seed command,
/// in a temp directory), and a place for their results.
/// </summary>
public sealed class BenchmarkSmokeFixture : IAsyncLifetime
{
    public const int Players = 12;
    public const int StormAccounts = 4;

    /// <summary>Storm accounts the login storm logs in before it measures (its warm-up), beyond <see cref="StormAccounts"/>.</summary>
    public const int StormWarmupLogins = 1;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "orleansmmo-bench-smoke", Guid.NewGuid().ToString("N"));

    public string SeedDirectory => Path.Combine(Directory, "seed");

    public string RunDirectory => Path.Combine(Directory, "runs");

    /// <summary>Runs the benchmark tool of this build.</summary>
    public static Task<ProgramRun.Result> ToolAsync(IEnumerable<string> arguments, TimeSpan timeout) =>
        ProgramRun.ToolAsync("Benchmarks", "OrleansMmo.Benchmarks", arguments, timeout);

    public async Task InitializeAsync()
    {
        var seed = await ToolAsync(["seed", "--accounts", $"{Players}", "--storm-accounts", $"{StormAccounts + StormWarmupLogins}", "--seed-dir", SeedDirectory], TimeSpan.FromMinutes(3));
        Assert.True(seed.ExitCode == 0, $"seeding failed: {seed}");
    }

    private Task<JsonElement>? _writeBehind;

    /// <summary>One write-behind run shared by the tests that need a result (it starts servers twice).</summary>
    public Task<JsonElement> WriteBehindAsync()
    {
        var postgres = Environment.GetEnvironmentVariable(TestServers.PostgresVariable);
        string[] engine = string.IsNullOrEmpty(postgres) ? [] : ["--postgres", postgres];
        return _writeBehind ??= RunAsync("write-behind", ["--players", "3", "--duration", "2", .. engine]);
    }

    /// <summary>Runs one benchmark with the smoke seed and returns its parsed results file.</summary>
    public async Task<JsonElement> RunAsync(string benchmark, params string[] arguments)
    {
        var output = Path.Combine(Directory, benchmark + ".json");
        string[] common = ["--run-dir", RunDirectory, "--out", output];
        string[] seeded = benchmark is "connections" or "fanout" or "login-storm" or "abuse" or "session-starts" or "queue" ? ["--seed-dir", SeedDirectory] : [];
        var run = await ToolAsync([benchmark, .. arguments, .. common, .. seeded], TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, $"{benchmark} failed: {run}");
        Assert.True(File.Exists(output), $"{benchmark} wrote no results: {run}");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var root = document.RootElement.Clone();
        Assert.Equal(benchmark, root.GetProperty("name").GetString());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("cores").GetInt32());
        return root;
    }

    public Task DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A server's log still being closed; the temp directory is cleaned by the OS.
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Every benchmark runs for a few seconds with tiny counts and leaves a sane JSON summary. No number is
/// asserted beyond "something happened": speed is measured by the benchmarks, never by tests.
/// </summary>
[Trait("Category", "Tools")]
public sealed class BenchmarkSmokeTests(BenchmarkSmokeFixture bench) : IClassFixture<BenchmarkSmokeFixture>
{
    private static double Metric(JsonElement result, string name) => result.GetProperty("metrics").GetProperty(name).GetDouble();

    [Fact]
    public async Task RequestBenchmarkMeasuresEchoOrleansAndTheFullPathOverTcpAndWebSocket()
    {
        var result = await bench.RunAsync("requests", "--connections", "2", "--in-flight", "2", "--duration", "1", "--warmup", "0.5");

        var loads = result.GetProperty("loads").EnumerateArray().ToList();
        Assert.Equal(["raw echo", "bare Orleans ping", "full path (GetPlayer)", "full path at half load", "full path over WebSocket"], loads.Select(l => l.GetProperty("name").GetString()));
        Assert.All(loads, l => Assert.True(l.GetProperty("calls").GetInt64() > 0, $"{l.GetProperty("name")} made no calls"));
        Assert.True(Metric(result, "fullPathVsOrleans") > 0);
        Assert.True(Metric(result, "webSocketVsTcpFullPath") > 0);
        // CPU per answered request, per process, from /proc over each measured window.
        foreach (var process in new[] { "gateway", "silo", "driver" })
        {
            Assert.True(Metric(result, $"cpuUsPerCall.fullPath.{process}") > 0, $"no CPU per request measured for the full path's {process}");
        }

        Assert.True(Metric(result, "cpuUsPerCall.orleansPing.client") > 0, "no CPU per call measured for the bare Orleans client");
        Assert.True(Metric(result, "gatewayCpuPerRequestVsOrleansClientPerCall") > 0);
        Assert.Equal(4, result.GetProperty("targets").GetArrayLength());
    }

    [Fact]
    public async Task ConnectionBenchmarkPutsEverySeededPlayerInTheWorldOverTwoGatewaysAndProcesses()
    {
        var result = await bench.RunAsync("connections", "--players", $"{BenchmarkSmokeFixture.Players}", "--gateways", "2", "--processes", "2", "--hold", "1");

        Assert.Equal(BenchmarkSmokeFixture.Players, Metric(result, "playersInWorld"));
        Assert.True(result.GetProperty("metrics").TryGetProperty("gateway2.heldMiB", out _));
        Assert.Equal(0, result.GetProperty("runs").GetProperty("hold").GetProperty("errors").EnumerateObject().Count(e => e.Name.StartsWith("WORKER", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FanoutBenchmarkMeasuresBothCasesWithTheZoneTick()
    {
        var result = await bench.RunAsync("fanout", "--players", "8", "--warmup", "1", "--duration", "2", "--clump-radius", "5");

        // Every seeded character was placed where the case wants it (a fixture that places none leaves the
        // players where the seed put them, and the case measures something else).
        Assert.Equal(8, Metric(result, "spread.placed"));
        Assert.Equal(8, Metric(result, "clumped.placed"));
        // The cores each process used in the measured window, from /proc.
        foreach (var process in new[] { "silo", "gateway", "driver" })
        {
            Assert.True(Metric(result, $"clumped.cpuCores.{process}") >= 0, $"no CPU measured for the {process}");
        }

        Assert.True(Metric(result, "clumped.cpuCores.driver") > 0);
        // The raw driver (the default) wrote moves and had them answered.
        Assert.Equal("raw", result.GetProperty("parameters").GetProperty("driver").GetString());
        Assert.True(Metric(result, "spread.movesSentPerSecond") > 0);
        Assert.True(Metric(result, "spread.movesPerSecond") > 0);
        Assert.True(Metric(result, "clumped.movesPerSecond") > 0);
        // Eight players within 5 m see each other move: the driver counted WorldUpdate pushes.
        Assert.True(Metric(result, "clumped.entityUpdatesPerSecond") > 0);
        // The tick histogram came from the silo's meter.
        Assert.True(Metric(result, "clumped.ticksPerSecond") > 0);
    }

    [Fact]
    public async Task FanoutBenchmarkStillDrivesThePlayersWithTheBots()
    {
        var result = await bench.RunAsync("fanout", "--driver", "bots", "--cases", "clumped", "--players", "8", "--warmup", "1", "--duration", "2", "--clump-radius", "5");

        Assert.Equal(8, Metric(result, "clumped.placed"));
        Assert.True(Metric(result, "clumped.movesPerSecond") > 0);
        Assert.True(Metric(result, "clumped.entityUpdatesPerSecond") > 0);
    }

    [Fact]
    public async Task CrowdViewBenchmarkTimesTheViewWorkOfEachCrowdWithAndWithoutChurn()
    {
        var result = await bench.RunAsync("crowd-view", "--players", "50,120", "--ticks", "3", "--churn", "0.05");

        foreach (var key in new[] { "steady.50", "churn.50", "steady.120", "churn.120" })
        {
            Assert.True(Metric(result, $"{key}.tickP50Ms") > 0, $"no tick timed for {key}");
        }
    }

    [Fact]
    public async Task CrowdViewBenchmarkTimesTheViewWorkOfPlayersWalkingSpreadOverTheZone()
    {
        var result = await bench.RunAsync("crowd-view", "--spread", "--players", "200", "--ticks", "10");

        Assert.True(Metric(result, "spread.200.tickP50Ms") > 0, "no tick timed");
        // They walk: views change (someone leaves a view) and are not empty.
        Assert.True(Metric(result, "spread.200.leavesPerPlayerPerSecond") > 0);
        Assert.True(Metric(result, "spread.200.viewSize") > 0);
    }

    [Fact]
    public async Task LoginStormBenchmarkLogsEveryStormAccountInWhileOnlinePlayersAreProbed()
    {
        // --duration caps the storm, which ends once every storm account is in (a second or two when the machine is
        // free); the hashing runs below gameplay's priority, so with the rest of the suite busy on both cores it may
        // wait many seconds for a turn (10 s once gave 0 logins).
        var result = await bench.RunAsync(
            "login-storm", "--online", "4", "--probe-rate", "5", "--storm", $"{BenchmarkSmokeFixture.StormAccounts}", "--concurrency", "4", "--before", "2", "--duration", "90", "--storm-sources", "3",
            "--warmup-logins", $"{BenchmarkSmokeFixture.StormWarmupLogins}");

        Assert.Equal(BenchmarkSmokeFixture.StormWarmupLogins, Metric(result, "warmupLoggedIn"));
        Assert.Equal(BenchmarkSmokeFixture.StormAccounts, Metric(result, "logins"));
        Assert.True(Metric(result, "onlineRequestsBefore") > 0);
        Assert.True(Metric(result, "onlineRequestsDuring") > 0);
        Assert.True(Metric(result, "cpuCoresDuring.machine") > 0, "no machine CPU read for the storm's window");
    }

    [Fact]
    public async Task LoginStormControlBurnsCpuInsteadOfLoggingAnyoneIn()
    {
        // The control: the storm's window with plain CPU work and no login, to tell what CPU alone costs the online players.
        var result = await bench.RunAsync(
            "login-storm", "--online", "4", "--probe-rate", "5", "--storm", $"{BenchmarkSmokeFixture.StormAccounts}", "--before", "2", "--duration", "3",
            "--warmup-logins", "0", "--control-cores", "0.5");

        Assert.Equal(0, Metric(result, "logins"));
        Assert.True(Metric(result, "onlineRequestsDuring") > 0);
        // The burner runs in the benchmark's own process, where the storm's clients would: its CPU rose with the burn.
        Assert.True(Metric(result, "cpuCoresDuring.storm") >= 0.05, $"the control burnt {Metric(result, "cpuCoresDuring.storm")} cores");
        Assert.True(Metric(result, "cpuCoresBefore.storm") < Metric(result, "cpuCoresDuring.storm"));
    }

    [Fact]
    public async Task SessionStartsBenchmarkReadsWhatEachServerAllocatedPerSessionStart()
    {
        var result = await bench.RunAsync("session-starts", "--arrivals", "8", "--warmup-arrivals", "2", "--idle", "0.5");

        Assert.Equal(8, Metric(result, "enteredWorld"));
        foreach (var process in new[] { "silo", "gateway" })
        {
            // Read from each process itself (the host's "alloc" answer), not estimated.
            Assert.True(Metric(result, $"{process}.allocatedMiB") > 0, $"no allocation read from the {process}");
            Assert.True(Metric(result, $"{process}.rawKbPerSessionStart") > 0, $"no allocation per session start for the {process}");
            Assert.True(result.GetProperty("metrics").TryGetProperty($"{process}.kbPerSessionStart", out _));
            Assert.True(Metric(result, $"{process}.cpuMsPerSessionStart") >= 0);
        }
    }

    [Fact]
    public async Task QueueBenchmarkQueuesTheArrivalsBeyondCapacityAndAdmitsThemInOrder()
    {
        // 4 online and 8 arrivals for 6 places: 2 get in, 6 queue until the operators raise the capacity. Clients on two
        // gateways, so the queue's order holds across them.
        var result = await bench.RunAsync(
            "queue", "--online", "4", "--arrivals", "8", "--capacity", "6", "--raise-per-second", "2", "--before", "2", "--online-processes", "1",
            "--session-starts", "20", "--gateways", "2");

        Assert.True(Metric(result, "queued") > 0, "nobody queued");
        Assert.Equal((0, 0), (Metric(result, "positionsThatRose"), Metric(result, "fifoViolations")));
        Assert.True(Metric(result, "onlineRequestsDuring") > 0);
        Assert.Equal(20, result.GetProperty("parameters").GetProperty("sessionStartsPerSecond").GetDouble());
        // Each gateway measured on its own.
        Assert.Equal(2, result.GetProperty("parameters").GetProperty("gateways").GetInt32());
        Assert.InRange(Metric(result, "cpuCoresDuring.gateway2"), 0, 2);
        Assert.InRange(Metric(result, "gateway2GcPausedPercentDuring"), 0, 100);
    }

    [Fact]
    public async Task QueueWithTheOnlineGatewayApartSendsEveryArrivalToTheOtherGateway()
    {
        var result = await bench.RunAsync(
            "queue", "--online", "4", "--arrivals", "8", "--capacity", "6", "--raise-per-second", "2", "--before", "2", "--online-processes", "1",
            "--session-starts", "20", "--gateways", "2", "--online-gateway-apart");

        Assert.True(Metric(result, "queued") > 0, "nobody queued");
        Assert.Equal((0, 0), (Metric(result, "positionsThatRose"), Metric(result, "fifoViolations")));
        Assert.True(Metric(result, "onlineRequestsDuring") > 0);
        // The online players' gateway took none of the arrivals' connections; the other took all of them.
        Assert.Equal(0, Metric(result, "gatewayConnectionsOpenedDuring"));
        Assert.True(Metric(result, "gateway2ConnectionsOpenedDuring") >= 8, $"gateway2 opened {Metric(result, "gateway2ConnectionsOpenedDuring")}");
    }

    [Fact]
    public async Task QueueWithResidentsAndStaysMovesAsPlayersLeaveAFullWorld()
    {
        // No raises: 2 online and 2 residents fill the 4 places, so the 8 arrivals queue; the residents leave 0.5-1.5 s
        // after the arrivals start, and each arrival as long after it entered, which lets the rest in.
        var result = await bench.RunAsync(
            "queue", "--online", "2", "--residents", "2", "--arrivals", "8", "--capacity", "4", "--raise-per-second", "0",
            "--stay-seconds", "1", "--stay-spread", "0.5", "--before", "2", "--online-processes", "1", "--session-starts", "20");

        Assert.True(Metric(result, "queued") > 0, "nobody queued");
        Assert.Equal((0, 0), (Metric(result, "positionsThatRose"), Metric(result, "fifoViolations")));
        var runs = result.GetProperty("runs");
        Assert.Equal(8, runs.GetProperty("arrivals").GetProperty("counters").GetProperty("EnteredWorld").GetInt64());
        Assert.Equal(2, runs.GetProperty("residents").GetProperty("counters").GetProperty("LeftAfterStay").GetInt64());
        Assert.True(runs.GetProperty("arrivals").GetProperty("counters").GetProperty("LeftAfterStay").GetInt64() >= 4);
        // The benchmark host's probe of each server's thread pool.
        Assert.True(Metric(result, "siloThreadPoolDelayP99MsDuring") > 0);
        Assert.True(Metric(result, "gatewayThreadPoolDelayP99MsDuring") > 0);
        // And its record of each collection's pause (a short run may see none in its windows, so only in range here).
        foreach (var process in (string[])["silo", "gateway"])
        {
            Assert.InRange(Metric(result, $"{process}GcPausedPercentDuring"), 0, 100);
            Assert.True(Metric(result, $"{process}GcLongestPauseMsDuring") >= 0);
        }
    }

    [Fact]
    public async Task QueueControlBurnsCpuInsteadOfTheArrivals()
    {
        var result = await bench.RunAsync(
            "queue", "--online", "4", "--arrivals", "8", "--capacity", "6", "--before", "2", "--online-processes", "1", "--control-cores", "0.5", "--control-seconds", "3");

        Assert.False(result.GetProperty("metrics").TryGetProperty("queued", out _), "the control queued arrivals");
        Assert.True(Metric(result, "onlineRequestsDuring") > 0);
        Assert.True(Metric(result, "cpuCoresDuring.arrivals") >= 0.05, $"the control burnt {Metric(result, "cpuCoresDuring.arrivals")} cores");
        Assert.True(Metric(result, "cpuCoresBefore.arrivals") < Metric(result, "cpuCoresDuring.arrivals"));
    }

    [Fact]
    public async Task AbuseBenchmarkRunsEveryAttackWhileOnlinePlayersPlay()
    {
        // --smoke: 4 online players, 2 s baseline, each attack 2 s; needs 11 seed accounts and haproxy (test.sh installs it).
        var result = await bench.RunAsync("abuse", "--smoke");

        var phases = result.GetProperty("details").GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["baseline", "login-guessing", "register-flood", "world-chat-flood", "connection-flood", "unread-pings", "portal-ping-pong", "tiny-moves", "quiet-end"],
            phases.Select(p => p.GetProperty("name").GetString()));
        Assert.True(phases[0].GetProperty("onlineRequests").GetInt64() > 0, "the online players made no requests in the baseline");
        foreach (var phase in phases.Skip(1).SkipLast(1))
        {
            // Every attacker did something and reported it, by outcome.
            Assert.True(phase.GetProperty("attacker").EnumerateObject().Any(), $"{phase.GetProperty("name")}: the attacker reported nothing");
            Assert.True(phase.GetProperty("gatewayPeakRssMiB").GetDouble() > 0);
        }

        // The attacker ran at the lowest priority (--attacker-nice 19, the default): its CPU out of the players' way.
        Assert.All(phases.Skip(1).SkipLast(1), p => Assert.Equal(19, p.GetProperty("attackerMeasured").GetProperty("niceness").GetDouble()));

        // The guesses went through haproxy to the gateway and were answered.
        var guessing = phases[1].GetProperty("attacker");
        Assert.Contains(guessing.EnumerateObject(), o => o.Name.StartsWith("guess:", StringComparison.Ordinal));

        // Every attack was idle, then attacked, and each window was measured on its own (a smoke run's windows are too
        // short to hold many requests): its target is the attacking window against the idle one.
        foreach (var phase in phases.Skip(1).SkipLast(1))
        {
            var name = phase.GetProperty("name").GetString()!;
            Assert.Equal(1, phase.GetProperty("attacker").GetProperty("window:idle").GetInt64());
            Assert.Equal(1, phase.GetProperty("attacker").GetProperty("window:active").GetInt64());
            var windows = phase.GetProperty("windows");
            Assert.Equal(1, windows.GetProperty("idleWindows").GetInt32());
            Assert.Equal(1, windows.GetProperty("activeWindows").GetInt32());
            Assert.Contains(result.GetProperty("targets").EnumerateArray(),
                t => t.GetProperty("what").GetString()!.StartsWith($"{name}: online players' p99 rise while attacking over its idle windows", StringComparison.Ordinal));
        }

        Assert.Equal(14, result.GetProperty("targets").GetArrayLength());
    }

    [Fact]
    public async Task AbuseControlBurnsCpuInsteadOfAttacking()
    {
        var result = await bench.RunAsync("abuse", "--smoke", "--attacks", "cpu-control", "--control-cores", "0.5", "--attacker-nice", "0");

        var phases = result.GetProperty("details").GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["baseline", "cpu-control", "quiet-end"], phases.Select(p => p.GetProperty("name").GetString()));
        var control = phases[1];
        Assert.Empty(control.GetProperty("attacker").EnumerateObject());
        var cores = control.GetProperty("attackerMeasured").GetProperty("cpuCores").GetDouble();
        Assert.True(cores >= 0.1, $"the control burnt {cores} cores");
    }

    [Fact]
    public async Task WriteBehindBenchmarkCountsMovesAndStorageWrites()
    {
        // PostgreSQL too when test.sh provides one.
        var postgres = Environment.GetEnvironmentVariable(TestServers.PostgresVariable);
        var result = await bench.WriteBehindAsync();

        foreach (var name in string.IsNullOrEmpty(postgres) ? ["sqlite"] : new[] { "sqlite", "postgres" })
        {
            Assert.True(Metric(result, $"{name}.mutations") > 0, $"{name}: no moves counted");
            Assert.True(Metric(result, $"{name}.storageWrites") + Metric(result, $"{name}.shutdownFlushWrites") > 0, $"{name}: no storage writes counted");
        }
    }

    [Fact]
    public async Task StorageWritesBenchmarkCountsPlayerStateWritesOnEachEngine()
    {
        // PostgreSQL too when test.sh provides one.
        var postgres = Environment.GetEnvironmentVariable(TestServers.PostgresVariable);
        string[] engine = string.IsNullOrEmpty(postgres) ? ["--engines", "sqlite"] : ["--postgres", postgres];
        var result = await bench.RunAsync("storage-writes", ["--writers", "20", "--warmup", "0.5", "--duration", "1", .. engine]);

        foreach (var name in string.IsNullOrEmpty(postgres) ? ["sqlite"] : new[] { "sqlite", "postgres" })
        {
            // Counted by the database (row versions) and by the write-behind facet.
            Assert.True(Metric(result, $"{name}.storageWrites") > 0, $"{name}: no storage writes counted");
            Assert.True(Metric(result, $"{name}.facet.writesPerSecond") > 0, $"{name}: the write-behind facet counted no writes");
            Assert.Equal(0, Metric(result, $"{name}.facet.writeFailures"));
        }
    }

    [Fact]
    public async Task ChartIsDrawnFromResults()
    {
        var results = Path.Combine(bench.Directory, "chart-input");
        Directory.CreateDirectory(results);
        var source = await bench.WriteBehindAsync();
        await File.WriteAllTextAsync(Path.Combine(results, "write-behind.json"), source.GetRawText());
        var svg = Path.Combine(bench.Directory, "chart.svg");

        var run = await BenchmarkSmokeFixture.ToolAsync(["chart", "--results", results, "--svg", svg], TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 0, run.ToString());
        var text = await File.ReadAllTextAsync(svg);
        Assert.StartsWith("<svg", text, StringComparison.Ordinal);
        Assert.Contains("Mutations per storage write", text, StringComparison.Ordinal);
    }
}
