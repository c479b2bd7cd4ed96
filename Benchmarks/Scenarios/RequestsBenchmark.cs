using System.Diagnostics;
using OrleansMmo.Benchmarks.Baselines;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// a. One request type three ways, in one run, with the same callers (connections x in flight):
/// <list type="number">
/// <item>raw echo: the project's frame codec over Kestrel/Pipelines, no state, no Orleans (its own process);</item>
/// <item>bare Orleans: an external Orleans client calling <see cref="IPingGrain"/> on the benchmark silo;</item>
/// <item>full path: GetPlayer through the gateway to each player's Player grain and back.</item>
/// </list>
/// Then the full path again at half its maximum rate (open loop) for the latency target, and the full path
/// over WebSocket (the same gateways' WebSocket port) at its maximum, against the TCP full path of the same run.
/// Each measured window also records every process's CPU (<see cref="CpuWindow"/>): CPU microseconds per answered
/// request for the gateway, the silo and the load driver, and per call for the bare Orleans client and its silo.
/// </summary>
public static class RequestsBenchmark
{
    // SeedDirectory set: the players are the seed's (BenchmarkSeed), resumed with their tickets instead of registered and
    // logged in (two password hashes each), so many connections start in seconds.
    public sealed record Options(int Connections, int InFlight, TimeSpan Duration, TimeSpan Warmup, string RunDirectory, string? Out, string? SeedDirectory = null);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var runDirectory = Path.Combine(options.RunDirectory, $"requests-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        var callers = options.Connections * options.InFlight;
        Console.WriteLine($"requests: {options.Connections} connections x {options.InFlight} in flight = {callers} callers, {options.Duration.TotalSeconds:0} s each (+{options.Warmup.TotalSeconds:0} s warm-up)");
        var result = new BenchmarkResult("requests")
        {
            Parameters =
            {
                ["connections"] = options.Connections,
                ["inFlight"] = options.InFlight,
                ["durationSeconds"] = options.Duration.TotalSeconds,
                ["warmupSeconds"] = options.Warmup.TotalSeconds,
                ["seeded"] = options.SeedDirectory is not null,
            },
        };
        // The full path's players and then the WebSocket path's: one seeded account each.
        var seed = options.SeedDirectory is { } seedDirectory ? BenchmarkSeed.Require(seedDirectory, 2 * options.Connections) : null;

        // 1. The raw echo floor.
        var echo = await MeasureEchoAsync(options, runDirectory, cancellationToken);
        Report(echo);
        result.Loads.Add(echo);

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SqliteTemplate = seed?.Database,
            // The per-connection rate limit protects a real server from one client; here one client per
            // connection is the load, so it is lifted. In-flight is raised to what the callers use.
            GatewaySettings =
            [
                ("Gateway:RequestsPerSecond", "1000000"),
                ("Gateway:RequestBurst", "1000000"),
                ("Gateway:MaxInFlightPerConnection", Math.Max(32, options.InFlight).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
        }, seed, Console.Out);

        // 2. Bare Orleans: client -> grain -> client.
        var orleans = await MeasureOrleansPingAsync(options, servers, cancellationToken);
        Report(orleans);
        result.Loads.Add(orleans);

        // 3. The full path, at its maximum and then at half of it.
        var (full, half) = await MeasureFullPathAsync(options, servers, seed, cancellationToken);
        Report(full);
        Report(half);
        result.Loads.Add(full);
        result.Loads.Add(half);

        // 4. The full path over WebSocket: the same session layer behind another carrier.
        var webSocket = await MeasureWebSocketPathAsync(options, servers, seed, cancellationToken);
        Report(webSocket);
        result.Loads.Add(webSocket);
        result.Metrics["webSocketVsTcpFullPath"] = Ratio(webSocket.CallsPerSecond, full.CallsPerSecond);
        result.Targets.Add(Target.AtLeast("WebSocket full path / TCP full path throughput", result.Metrics["webSocketVsTcpFullPath"], 0.8));

        result.Metrics["fullPathVsOrleans"] = Ratio(full.CallsPerSecond, orleans.CallsPerSecond);
        result.Metrics["fullPathVsEcho"] = Ratio(full.CallsPerSecond, echo.CallsPerSecond);
        result.Metrics["orleansVsEcho"] = Ratio(orleans.CallsPerSecond, echo.CallsPerSecond);
        result.Metrics["halfLoadP99Ms"] = half.Latency.P99Ms;
        foreach (var (process, cores) in full.CpuCores!)
        {
            result.Metrics[$"fullPathCpuCores.{process}"] = cores;
        }

        foreach (var (load, key) in new[] { (orleans, "orleansPing"), (full, "fullPath"), (half, "halfLoad"), (webSocket, "webSocket") })
        {
            foreach (var (process, microseconds) in load.CpuMicrosecondsPerCall ?? new Dictionary<string, double>())
            {
                result.Metrics[$"cpuUsPerCall.{key}.{process}"] = microseconds;
            }
        }

        // The gateway is an Orleans client plus a socket server: what it spends per request against what a bare
        // Orleans client spends per call, both at their maximum in the same run.
        result.Metrics["gatewayCpuPerRequestVsOrleansClientPerCall"] =
            Ratio(full.CpuMicrosecondsPerCall!["gateway"], orleans.CpuMicrosecondsPerCall!["client"]);

        result.Targets.Add(Target.AtLeast("full path / bare Orleans throughput", result.Metrics["fullPathVsOrleans"], 0.7));
        result.Targets.Add(Target.AtMost("full path p99 at half the maximum load (ms)", half.Latency.P99Ms, 5));
        result.Targets.Add(Target.AtMost("gateway CPU per request / bare Orleans client CPU per call", result.Metrics["gatewayCpuPerRequestVsOrleansClientPerCall"], 1.5));
        Console.WriteLine($"full path / Orleans ping = {result.Metrics["fullPathVsOrleans"]:0.00}, full path / echo = {result.Metrics["fullPathVsEcho"]:0.00}, WebSocket / TCP full path = {result.Metrics["webSocketVsTcpFullPath"]:0.00}");
        await result.WriteAsync(options.Out);
        return 0;
    }

    private static void Report(LoadResult load) =>
        Console.WriteLine($"  {load.Name,-22} {load.CallsPerSecond,10:N0} calls/s  p50 {load.Latency.P50Ms,7:0.000} ms  p99 {load.Latency.P99Ms,7:0.000} ms"
            + (load.TargetRate is { } target ? $"  (target {target:N0}/s)" : "") + (load.Failures > 0 ? $"  {load.Failures:N0} failed" : "")
            + (load.CpuMicrosecondsPerCall is { } cpu ? "  CPU us/call " + string.Join(", ", cpu.Select(p => $"{p.Key} {p.Value:0.0} ({load.CpuCores![p.Key]:0.00} cores)")) : ""));

    /// <summary>The load with its processes' CPU over the measured window.</summary>
    private static LoadResult WithCpu(LoadResult load, CpuWindow cpu) => load with
    {
        CpuCores = cpu.Cores,
        CpuMicrosecondsPerCall = cpu.MicrosecondsPer(load.Calls),
    };

    private static double Ratio(double a, double b) => b <= 0 ? 0 : Math.Round(a / b, 3);

    private static async Task<LoadResult> MeasureEchoAsync(Options options, string runDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(runDirectory);
        var port = ServerSet.FreePort();
        var start = new ProcessStartInfo(BotRunner.DotnetHost())
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { typeof(RequestsBenchmark).Assembly.Location, "echo-server", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the echo server");
        try
        {
            var ready = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            if (ready != "ready")
            {
                throw new InvalidOperationException("the echo server did not start");
            }

            var clients = new List<MmoClient>();
            try
            {
                for (var i = 0; i < options.Connections; i++)
                {
                    // No Hello: the echo server is not a gateway, it only answers frames.
                    clients.Add(await MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions { SkipHandshake = true, AutomaticHeartbeat = false }, cancellationToken));
                }

                var request = new GetPlayerRequest();
                return await LoadDriver.ClosedLoopAsync(
                    "raw echo",
                    options.Connections * options.InFlight,
                    caller => clients[caller % clients.Count].SendRequestAsync(Opcode.GetPlayer, request, GetPlayerResponse.Parser, cancellationToken),
                    options.Warmup,
                    options.Duration,
                    cancellationToken);
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<LoadResult> MeasureOrleansPingAsync(Options options, ServerSet servers, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client => client.UseLocalhostClustering(servers.SiloGatewayPort, servers.ServiceId, servers.ServiceId));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var factory = host.Services.GetRequiredService<IGrainFactory>();
            // One grain per connection, as the full path has one Player grain per connection.
            var grains = Enumerable.Range(0, options.Connections).Select(i => factory.GetGrain<IPingGrain>(i)).ToArray();
            // The Orleans client is this process (with the load driver's loops, as the full path's driver has its own).
            var cpu = new CpuWindow(new Dictionary<string, int> { ["client"] = CpuWindow.Self, ["silo"] = servers.Silo.Pid });
            return WithCpu(await LoadDriver.ClosedLoopAsync(
                "bare Orleans ping",
                options.Connections * options.InFlight,
                caller => grains[caller % grains.Length].Ping(caller),
                options.Warmup,
                options.Duration,
                cancellationToken,
                cpu), cpu);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<(LoadResult Full, LoadResult Half)> MeasureFullPathAsync(
        Options options, ServerSet servers, BenchmarkSeed? seed, CancellationToken cancellationToken)
    {
        var metrics = new BotMetrics();
        var settings = new BotSettings { Gateways = servers.GameEndpoints, Prefix = seed is null ? "req" : BenchmarkSeed.Prefix, MoveRate = 0, LoginConcurrency = 8 };
        var tickets = seed is null ? null : TicketCache.Load(seed.Tickets);
        using var gate = new SemaphoreSlim(settings.LoginConcurrency);
        Console.WriteLine($"  logging in {options.Connections} players...");
        var bots = Enumerable.Range(0, options.Connections).Select(i => new Bot(i, settings, metrics, tickets, gate)).ToList();
        var sessions = await Task.WhenAll(bots.Select(b => b.EnterWorldAsync(cancellationToken)));
        try
        {
            var request = new GetPlayerRequest();
            Task Call(int caller) => sessions[caller % sessions.Length].Client.SendRequestAsync(Opcode.GetPlayer, request, GetPlayerResponse.Parser, cancellationToken);

            var cpu = FullPathCpu(servers);
            var full = WithCpu(await LoadDriver.ClosedLoopAsync(
                "full path (GetPlayer)", options.Connections * options.InFlight, Call, options.Warmup, options.Duration, cancellationToken, cpu), cpu);
            var halfCpu = FullPathCpu(servers);
            var half = WithCpu(await LoadDriver.OpenLoopAsync(
                "full path at half load", options.Connections, full.CallsPerSecond / 2, options.InFlight, Call, options.Warmup, options.Duration, cancellationToken, halfCpu), halfCpu);
            return (full, half);
        }
        finally
        {
            foreach (var (bot, session) in bots.Zip(sessions))
            {
                await bot.LeaveAsync(session);
            }
        }
    }

    /// <summary>The full path's three processes: the (first) gateway, the silo, and this process driving the load.</summary>
    private static CpuWindow FullPathCpu(ServerSet servers) =>
        new(new Dictionary<string, int> { ["gateway"] = servers.Gateways[0].Pid, ["silo"] = servers.Silo.Pid, ["driver"] = CpuWindow.Self });

    private static async Task<LoadResult> MeasureWebSocketPathAsync(Options options, ServerSet servers, BenchmarkSeed? seed, CancellationToken cancellationToken)
    {
        var metrics = new BotMetrics();
        var settings = new BotSettings
        {
            Gateways = servers.WebSocketEndpoints,
            Transport = BotTransport.WebSocket,
            Prefix = seed is null ? "reqws" : BenchmarkSeed.Prefix,
            MoveRate = 0,
            LoginConcurrency = 8,
        };
        var tickets = seed is null ? null : TicketCache.Load(seed.Tickets);
        using var gate = new SemaphoreSlim(settings.LoginConcurrency);
        Console.WriteLine($"  logging in {options.Connections} players over WebSocket...");
        // Seeded: the accounts after the TCP path's, so no ticket is used twice.
        var first = seed is null ? 0 : options.Connections;
        var bots = Enumerable.Range(first, options.Connections).Select(i => new Bot(i, settings, metrics, tickets, gate)).ToList();
        var sessions = await Task.WhenAll(bots.Select(b => b.EnterWorldAsync(cancellationToken)));
        try
        {
            var request = new GetPlayerRequest();
            var cpu = FullPathCpu(servers);
            return WithCpu(await LoadDriver.ClosedLoopAsync(
                "full path over WebSocket",
                options.Connections * options.InFlight,
                caller => sessions[caller % sessions.Length].Client.SendRequestAsync(Opcode.GetPlayer, request, GetPlayerResponse.Parser, cancellationToken),
                options.Warmup,
                options.Duration,
                cancellationToken,
                cpu), cpu);
        }
        finally
        {
            foreach (var (bot, session) in bots.Zip(sessions))
            {
                await bot.LeaveAsync(session);
            }
        }
    }
}
