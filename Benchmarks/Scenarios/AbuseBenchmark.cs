using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// Abuse (issue 11, "Proof"). Online players (from the seed, resumed, in worker processes of their own) play at
/// a steady rate: they walk (Move) and ask for their own state (GetPlayer). After a quiet baseline, attackers
/// (another worker process) run each known attack in turn for a fixed time, with a settle after each: login
/// guessing through a real haproxy sending PROXY v2, a register flood, a world-chat flood with slow readers, a
/// connection flood that never says Hello, unread pings, portal ping-pong and tiny moves. Reported per attack:
/// the online players' p50/p99 against the baseline, their errors and disconnects, what the attacker achieved
/// and was refused (by code), and the gateway's and silo's resident memory and CPU.
/// </summary>
public static class AbuseBenchmark
{
    public const string AdminKey = "benchmark-operator-key-0123456789";

    /// <summary>The last phase: quiet again, measured like the baseline.</summary>
    public const string QuietEnd = "quiet-end";

    /// <summary>The address haproxy connects to the gateway from: the gateway's <c>Gateway:TrustedProxies</c> (as in cluster.sh).</summary>
    public const string BalancerSource = "127.0.0.2";

    /// <summary>Sizes of the attacks: how many connections, characters and addresses each uses, and how fast.</summary>
    public sealed record AttackSizes(
        int GuessAddresses = 4,
        int GuessConnectionsPerAddress = 4,
        int RegisterConnections = 40,
        int RegisterAddresses = 8,
        int ChatSpeakers = 100,
        int SlowReaders = 10,
        double ChatLinesPerSecond = 1,
        double ControlCores = 0.25,
        double FloodConnectionsPerSecond = 400,
        int FloodAddresses = 8,
        int FloodMaxOpen = 8000,
        int PingConnections = 8,
        int PingEchoBytes = 1024,
        double PingsPerSecond = 90,
        int PortalCharacters = 10,
        int TinyMovers = 20,
        double TinyMovesPerSecond = 100);

    public sealed record Options(
        int Online, int OnlineProcesses, double MoveRate, double ProbeRate, TimeSpan Warmup, TimeSpan Baseline, TimeSpan AttackDuration, TimeSpan Settle,
        IReadOnlyList<string> Attacks, AttackSizes Sizes, string SeedDirectory, string RunDirectory, string? Out, int AttackCycles = 0, int AttackerNice = 0);

    /// <summary>What one phase (the baseline or an attack) did to the online players and the servers.</summary>
    public sealed class Phase
    {
        public string Name { get; set; } = "";

        public double Seconds { get; set; }

        public double LoadAverageAtStart { get; set; }

        public long OnlineRequests { get; set; }

        public double OnlineP50Ms { get; set; }

        public double OnlineP99Ms { get; set; }

        /// <summary>p99 against the baseline's, as a fraction (0.25 = 25% higher).</summary>
        public double OnlineP99Rise { get; set; }

        /// <summary>
        /// The same requests (GetPlayer and Move, whoever sent them) timed inside the gateway, from a frame's arrival to
        /// its answer being queued: the servers' share of the online players' latency. What the players measure beyond
        /// it is their sockets and their own processes, which share this machine's two cores with the servers.
        /// </summary>
        public double GatewayP50Ms { get; set; }

        public double GatewayP99Ms { get; set; }

        public Dictionary<string, long> OnlineErrors { get; set; } = [];

        public long OnlineDisconnects { get; set; }

        /// <summary>Moves of online players the server corrected (TOO_FAST and the like): an honest walker should see none.</summary>
        public long OnlineMoveCorrections { get; set; }

        public double GatewayPeakRssMiB { get; set; }

        public double SiloPeakRssMiB { get; set; }

        public double GatewayCpuCores { get; set; }

        public double SiloCpuCores { get; set; }

        /// <summary>What the attacker got, by outcome: <c>what:OK</c> achieved, <c>what:CODE</c> refused, <c>cut:...</c> connections ended by the server.</summary>
        public SortedDictionary<string, long> Attacker { get; set; } = new(StringComparer.Ordinal);

        public SortedDictionary<string, double> AttackerMeasured { get; set; } = new(StringComparer.Ordinal);

        /// <summary>
        /// An alternating attack's windows (<see cref="AbuseAttacks.WindowLine"/>): the online players while the attack's
        /// characters were in the world and idle, and while they attacked, each pooled over the phase's windows. Null
        /// for an attack that does not alternate.
        /// </summary>
        public WindowedLatency? Windows { get; set; }

        public string? Note { get; set; }
    }

    /// <summary>The online players' latency in an alternating attack's idle and active windows; see <see cref="Phase.Windows"/>.</summary>
    public sealed class WindowedLatency
    {
        public int IdleWindows { get; set; }

        public double IdleSeconds { get; set; }

        public double IdleP99Ms { get; set; }

        public double IdleGatewayP99Ms { get; set; }

        public int ActiveWindows { get; set; }

        public double ActiveSeconds { get; set; }

        public double ActiveP99Ms { get; set; }

        public double ActiveGatewayP99Ms { get; set; }

        /// <summary>The active windows' p99 against the idle ones', as a fraction (0.25 = 25% higher): the attack's own cost.</summary>
        public double ActiveOverIdleRise { get; set; }
    }

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var sizes = options.Sizes;
        // Each attack that enters the world resumes seed accounts of its own (a ticket is spent by its resume).
        var honestIndex = options.Online;
        var chatFirst = honestIndex + 1;
        var portalFirst = chatFirst + sizes.ChatSpeakers + sizes.SlowReaders;
        var tinyFirst = portalFirst + sizes.PortalCharacters;
        var pingFirst = tinyFirst + sizes.TinyMovers;
        var seed = BenchmarkSeed.Require(options.SeedDirectory, pingFirst + sizes.PingConnections);
        var runDirectory = Path.Combine(options.RunDirectory, $"abuse-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Console.WriteLine($"abuse: {options.Online:N0} online players (move {options.MoveRate:0.#}/s, GetPlayer {options.ProbeRate:0.#}/s each); "
            + $"baseline {options.Baseline.TotalSeconds:0} s, then {string.Join(", ", options.Attacks)} for {options.AttackDuration.TotalSeconds:0} s each, {options.Settle.TotalSeconds:0} s settle");
        var result = new BenchmarkResult("abuse")
        {
            Parameters =
            {
                ["online"] = options.Online,
                ["onlineProcesses"] = options.OnlineProcesses,
                ["moveRate"] = options.MoveRate,
                ["probeRate"] = options.ProbeRate,
                ["warmupSeconds"] = options.Warmup.TotalSeconds,
                ["baselineSeconds"] = options.Baseline.TotalSeconds,
                ["attackSeconds"] = options.AttackDuration.TotalSeconds,
                ["settleSeconds"] = options.Settle.TotalSeconds,
                ["attacks"] = options.Attacks,
                ["attackCycles"] = options.AttackCycles,
                ["attackerNice"] = options.AttackerNice,
                ["sizes"] = sizes,
            },
        };

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SqliteTemplate = seed.Database,
            // No creatures: an online player killed by a wolf (MOVE_DEAD) is the game, not an attack.
            SiloSettings = [("Admin:Key", AdminKey), ("World:GameDataPath", WriteGameDataWithoutCreatures(runDirectory))],
            GatewaySettings =
            [
                ("Gateway:TrustedProxies", BalancerSource + "/32"),
                // Every client here is on loopback, which is exempt from the per-address limits by default (for run.sh
                // and the bots). The attacks must meet them: only ::1 stays exempt, and nothing here uses it.
                ("Gateway:ConnectionLimitExemptNetworks", "::1/128"),
            ],
        }, seed, Console.Out);
        var gateway = servers.Gateways[0];

        await using var balancer = options.Attacks.Contains("login-guessing")
            ? await HaproxyProcess.StartAsync(runDirectory, servers.GameEndpoints[0].Port, servers.GatewayAdminPorts[0], servers.WebSocketEndpoints[0].Port, BalancerSource, cancellationToken)
            : null;

        // The online players come from 20 addresses of their own (10 each at 200), well within the per-address caps.
        var online = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Sources = Enumerable.Range(100, 20).Select(i => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.{i}"))).ToList(),
            Bots = options.Online,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = options.MoveRate,
            PortalChance = 0,
            ChatInterval = TimeSpan.Zero,
            GetPlayerRate = options.ProbeRate,
            LoginConcurrency = 64,
            Duration = TimeSpan.FromHours(1),
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        MetricsSnapshot? latest = null;
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onlineRun = BotRunner.RunAsync(online, options.OnlineProcesses, null, stop.Token, snapshot =>
        {
            Volatile.Write(ref latest, snapshot);
            if (snapshot.Counter(Counter.InWorld) >= options.Online)
            {
                allIn.TrySetResult();
            }
        });

        var phases = new List<Phase>();
        var exitCode = 0;
        try
        {
            await allIn.Task.WaitAsync(OnlineEntry.Bound, cancellationToken);
            Console.WriteLine($"all {options.Online} online players are in the world");
            await Task.Delay(options.Warmup, cancellationToken);
            Phase? baseline = null;
            var windowGuard = TimeSpan.FromTicks(Math.Min(WindowGuard.Ticks, options.AttackDuration.Ticks / 8));
            // A quiet phase again at the end: how much the machine itself drifted while the attacks ran.
            foreach (var name in (string[])["baseline", .. options.Attacks, QuietEnd])
            {
                if (name == QuietEnd)
                {
                    // An attack's settle runs in its attacker (its characters enter meanwhile); the quiet end's here.
                    await Task.Delay(options.Settle, cancellationToken);
                }

                var phase = await MeasureAsync(name, servers, () => Volatile.Read(ref latest)!, baseline, windowGuard, name is "baseline" or QuietEnd
                    ? (_, _) => Task.Delay(options.Baseline, cancellationToken)
                    : (phase, marks) => RunAttackerAsync(name, options, servers, balancer, runDirectory, honestIndex, chatFirst, portalFirst, tinyFirst, pingFirst, phase, marks, cancellationToken), cancellationToken);
                baseline ??= phase;
                phases.Add(phase);
                Console.WriteLine($"{name,-18} online p50 {phase.OnlineP50Ms,7:0.00} ms p99 {phase.OnlineP99Ms,8:0.00} ms ({phase.OnlineP99Rise:+0%;-0%}; in the gateway p50 {phase.GatewayP50Ms:0.00} ms p99 {phase.GatewayP99Ms:0.00} ms) "
                    + $"errors {phase.OnlineErrors.Values.Sum()} disconnects {phase.OnlineDisconnects}; gateway {phase.GatewayPeakRssMiB:0} MiB {phase.GatewayCpuCores:0.00} cores, "
                    + $"silo {phase.SiloPeakRssMiB:0} MiB {phase.SiloCpuCores:0.00} cores");
                if (phase.Windows is { } windows)
                {
                    Console.WriteLine($"    windows: idle {windows.IdleWindows} x, {windows.IdleSeconds:0} s, online p99 {windows.IdleP99Ms:0.00} ms (in the gateway {windows.IdleGatewayP99Ms:0.00} ms); "
                        + $"attacking {windows.ActiveWindows} x, {windows.ActiveSeconds:0} s, online p99 {windows.ActiveP99Ms:0.00} ms (in the gateway {windows.ActiveGatewayP99Ms:0.00} ms): {windows.ActiveOverIdleRise:+0%;-0%}");
                }

                if (phase.Attacker.Count > 0)
                {
                    Console.WriteLine("    attacker: " + string.Join(", ", phase.Attacker.Select(kv => $"{kv.Key} {kv.Value:N0}")));
                }
            }
        }
        catch (TimeoutException)
        {
            var note = Volatile.Read(ref latest) is { } last ? OnlineEntry.NotAllIn(last, options.Online) : "no online player reported within the bound";
            Console.WriteLine(note);
            result.Notes.Add(note);
            exitCode = 1;
        }
        finally
        {
            await stop.CancelAsync();
        }

        result.Runs["online"] = await onlineRun;
        result.Details = new Dictionary<string, object> { ["phases"] = phases };
        foreach (var phase in phases)
        {
            result.Metrics[$"{phase.Name}.onlineP99Ms"] = phase.OnlineP99Ms;
            result.Metrics[$"{phase.Name}.gatewayP99Ms"] = phase.GatewayP99Ms;
            result.Metrics[$"{phase.Name}.onlineErrors"] = phase.OnlineErrors.Values.Sum();
            result.Metrics[$"{phase.Name}.onlineDisconnects"] = phase.OnlineDisconnects;
            result.Metrics[$"{phase.Name}.gatewayPeakRssMiB"] = phase.GatewayPeakRssMiB;
            result.Metrics[$"{phase.Name}.siloPeakRssMiB"] = phase.SiloPeakRssMiB;
            if (phase.Name == "baseline")
            {
                continue;
            }

            result.Metrics[$"{phase.Name}.onlineP99Rise"] = phase.OnlineP99Rise;
            if (phase.Name == QuietEnd)
            {
                continue;
            }

            if (phase.Windows is { } windows)
            {
                // The attack against its own characters idle in the same phase: what the attack costs, apart from
                // those characters being in the world (as many honest players would be) and from the machine's drift.
                result.Metrics[$"{phase.Name}.idleP99Ms"] = windows.IdleP99Ms;
                result.Metrics[$"{phase.Name}.activeP99Ms"] = windows.ActiveP99Ms;
                result.Metrics[$"{phase.Name}.activeOverIdleRise"] = windows.ActiveOverIdleRise;
                result.Targets.Add(Target.AtMost($"{phase.Name}: online players' p99 rise while attacking over its idle windows (fraction)", windows.ActiveOverIdleRise, 0.25));
            }
            else
            {
                result.Targets.Add(Target.AtMost($"{phase.Name}: online players' p99 rise (fraction)", phase.OnlineP99Rise, 0.25));
            }

            result.Targets.Add(Target.AtMost($"{phase.Name}: online players' errors and disconnects", phase.OnlineErrors.Values.Sum() + phase.OnlineDisconnects, 0));
        }

        await result.WriteAsync(options.Out);
        return exitCode;
    }

    /// <summary>What an attack tells the measurement: when its time begins and ends, and each switch of an alternating one.</summary>
    private sealed record PhaseMarks(Action Begin, Action End, Action<string> Window);

    /// <summary>
    /// The online players' and the gateway's reports come once a second: a window is measured from a report taken this
    /// long after its switch (or a quarter of the window, if shorter: the smoke run's), so none of the previous window's
    /// seconds count in it.
    /// </summary>
    private static readonly TimeSpan WindowGuard = TimeSpan.FromSeconds(1.2);

    /// <summary>Runs <paramref name="body"/> and measures the online players and the servers while it runs: from its
    /// start, or from when it marks its beginning (an attack whose characters are all in the world and settled), until
    /// it returns or marks its end (an attack's time is up, before its connections close). An alternating attack also
    /// marks its windows, each measured on its own and pooled by kind (<see cref="Phase.Windows"/>).</summary>
    private static async Task<Phase> MeasureAsync(
        string name, ServerSet servers, Func<MetricsSnapshot> snapshot, Phase? baseline, TimeSpan windowGuard, Func<Phase, PhaseMarks, Task> body, CancellationToken cancellationToken)
    {
        string[] play = ["GetPlayer", "Move"];
        string[] gatewayPlay = [.. play.Select(opcode => $"mmo.gateway.request.duration/{opcode}")];
        var phase = new Phase { Name = name, LoadAverageAtStart = MachineInfo.LoadAverage() };
        var gateway = servers.Gateways[0];
        MetricsSnapshot start = null!;
        MetricsSnapshot? end = null;
        MetricsSnapshot gatewayStart = null!, gatewayEnd = null!;
        TimeSpan gatewayCpu = default, siloCpu = default, gatewayCpuEnd = default, siloCpuEnd = default, endedAt = default;
        var clock = new Stopwatch();
        long gatewayPeak = 0, siloPeak = 0;
        using var sampling = new CancellationTokenSource();
        void Begin()
        {
            start = snapshot();
            gatewayStart = gateway.Metrics;
            gatewayCpu = gateway.CpuTime();
            siloCpu = servers.Silo.CpuTime();
            Interlocked.Exchange(ref gatewayPeak, gateway.ResidentBytes());
            Interlocked.Exchange(ref siloPeak, servers.Silo.ResidentBytes());
            clock.Restart();
        }

        void Stop()
        {
            endedAt = clock.Elapsed;
            gatewayEnd = gateway.Metrics;
            gatewayCpuEnd = gateway.CpuTime();
            siloCpuEnd = servers.Silo.CpuTime();
        }

        var windowGate = new Lock();
        var windows = new Dictionary<string, List<(Dictionary<int, long> Online, Dictionary<int, long> Gateway, double Seconds)>>(StringComparer.Ordinal);
        string? windowKind = null;
        var windowNumber = 0;
        MetricsSnapshot? windowStart = null, windowGatewayStart = null;

        void CloseWindow()
        {
            lock (windowGate)
            {
                if (windowKind is not null && windowStart is not null && windowGatewayStart is not null)
                {
                    // The latest reports, at most a second old: the window's last second is left out, not the next one's let in.
                    var now = snapshot();
                    var gatewayNow = gateway.Metrics;
                    if (!windows.TryGetValue(windowKind, out var pooled))
                    {
                        windows[windowKind] = pooled = [];
                    }

                    pooled.Add((
                        LatencyHistogram.Subtract(now.LatencyOf(play), windowStart.LatencyOf(play)),
                        LatencyHistogram.Subtract(gatewayNow.LatencyOf(gatewayPlay), windowGatewayStart.LatencyOf(gatewayPlay)),
                        now.ElapsedSeconds - windowStart.ElapsedSeconds));
                }

                windowKind = null;
                windowStart = windowGatewayStart = null;
            }
        }

        void Window(string kind)
        {
            CloseWindow();
            int number;
            lock (windowGate)
            {
                windowKind = kind;
                number = ++windowNumber;
            }

            _ = Task.Delay(windowGuard, CancellationToken.None).ContinueWith(_ =>
            {
                lock (windowGate)
                {
                    if (windowNumber == number && windowKind is not null)
                    {
                        windowStart = snapshot();
                        windowGatewayStart = gateway.Metrics;
                    }
                }
            }, TaskScheduler.Default);
        }

        void End()
        {
            CloseWindow();
            // The bots' latest report (at most a second old): the phase's last second is left out rather than the
            // attack's connections closing let in.
            end = snapshot();
            Stop();
            sampling.Cancel();
        }

        Begin();
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(sampling.Token).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref gatewayPeak, Math.Max(Interlocked.Read(ref gatewayPeak), gateway.ResidentBytes()));
                Interlocked.Exchange(ref siloPeak, Math.Max(Interlocked.Read(ref siloPeak), servers.Silo.ResidentBytes()));
            }
        }, CancellationToken.None);
        try
        {
            await body(phase, new PhaseMarks(Begin, End, Window));
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        CloseWindow();
        phase.Windows = Summarize(windows);
        if (end is null)
        {
            // The bots report once a second: wait for a snapshot taken after the phase ended.
            Stop();
            end = snapshot();
            var waited = Stopwatch.StartNew();
            while (end.ElapsedSeconds - start.ElapsedSeconds < endedAt.TotalSeconds && waited.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
                end = snapshot();
            }
        }

        var seconds = endedAt.TotalSeconds;
        var latency = LatencyHistogram.Summarize(LatencyHistogram.Subtract(end.LatencyOf(play), start.LatencyOf(play)));
        phase.Seconds = Math.Round(seconds, 1);
        phase.OnlineRequests = latency.Count;
        phase.OnlineP50Ms = latency.P50Ms;
        phase.OnlineP99Ms = latency.P99Ms;
        phase.OnlineP99Rise = baseline is null || baseline.OnlineP99Ms <= 0 ? 0 : Math.Round(latency.P99Ms / baseline.OnlineP99Ms - 1, 3);
        var gatewayLatency = LatencyHistogram.Summarize(LatencyHistogram.Subtract(gatewayEnd.LatencyOf(gatewayPlay), gatewayStart.LatencyOf(gatewayPlay)));
        phase.GatewayP50Ms = gatewayLatency.P50Ms;
        phase.GatewayP99Ms = gatewayLatency.P99Ms;
        phase.OnlineErrors = end.Errors
            .Select(kv => (kv.Key, Count: kv.Value - start.Errors.GetValueOrDefault(kv.Key)))
            .Where(e => e.Count > 0)
            .ToDictionary(e => e.Key, e => e.Count, StringComparer.Ordinal);
        phase.OnlineDisconnects = end.Counter(Counter.Disconnects) - start.Counter(Counter.Disconnects);
        phase.OnlineMoveCorrections = end.Counter(Counter.MoveCorrections) - start.Counter(Counter.MoveCorrections);
        phase.GatewayPeakRssMiB = Math.Round(Interlocked.Read(ref gatewayPeak) / (1024.0 * 1024), 1);
        phase.SiloPeakRssMiB = Math.Round(Interlocked.Read(ref siloPeak) / (1024.0 * 1024), 1);
        phase.GatewayCpuCores = Math.Round((gatewayCpuEnd - gatewayCpu).TotalSeconds / seconds, 2);
        phase.SiloCpuCores = Math.Round((siloCpuEnd - siloCpu).TotalSeconds / seconds, 2);
        return phase;
    }

    private static WindowedLatency? Summarize(Dictionary<string, List<(Dictionary<int, long> Online, Dictionary<int, long> Gateway, double Seconds)>> windows)
    {
        if (windows.Count == 0)
        {
            return null;
        }

        var idle = windows.GetValueOrDefault(AbuseAttacks.IdleWindow) ?? [];
        var active = windows.GetValueOrDefault(AbuseAttacks.ActiveWindow) ?? [];
        var idleOnline = LatencyHistogram.Summarize(LatencyHistogram.Merge(idle.Select(w => w.Online)));
        var activeOnline = LatencyHistogram.Summarize(LatencyHistogram.Merge(active.Select(w => w.Online)));
        return new WindowedLatency
        {
            IdleWindows = idle.Count,
            IdleSeconds = Math.Round(idle.Sum(w => w.Seconds), 1),
            IdleP99Ms = idleOnline.P99Ms,
            IdleGatewayP99Ms = LatencyHistogram.Summarize(LatencyHistogram.Merge(idle.Select(w => w.Gateway))).P99Ms,
            ActiveWindows = active.Count,
            ActiveSeconds = Math.Round(active.Sum(w => w.Seconds), 1),
            ActiveP99Ms = activeOnline.P99Ms,
            ActiveGatewayP99Ms = LatencyHistogram.Summarize(LatencyHistogram.Merge(active.Select(w => w.Gateway))).P99Ms,
            ActiveOverIdleRise = idleOnline.P99Ms <= 0 ? 0 : Math.Round(activeOnline.P99Ms / idleOnline.P99Ms - 1, 3),
        };
    }

    /// <summary>Runs one attack in a worker process (this tool's <c>abuse-attack</c>) and reads what it reports.</summary>
    private static async Task RunAttackerAsync(
        string attack, Options options, ServerSet servers, HaproxyProcess? balancer, string runDirectory,
        int honestIndex, int chatFirst, int portalFirst, int tinyFirst, int pingFirst, Phase phase, PhaseMarks marks, CancellationToken cancellationToken)
    {
        var s = options.Sizes;
        var (size, addresses, rate, first, second, octet) = attack switch
        {
            "login-guessing" => (s.GuessConnectionsPerAddress, s.GuessAddresses, 0.0, honestIndex, 0, 20),
            "register-flood" => (s.RegisterConnections, s.RegisterAddresses, 0.0, 0, 0, 30),
            "world-chat-flood" => (s.ChatSpeakers, 10, s.ChatLinesPerSecond, chatFirst, s.SlowReaders, 160),
            "connection-flood" => (s.FloodMaxOpen, s.FloodAddresses, s.FloodConnectionsPerSecond, 0, 0, 50),
            "unread-pings" => (s.PingConnections, s.PingConnections, s.PingsPerSecond, pingFirst, s.PingEchoBytes, 60),
            "portal-ping-pong" => (s.PortalCharacters, 2, 0.0, portalFirst, 0, 70),
            "tiny-moves" => (s.TinyMovers, 4, s.TinyMovesPerSecond, tinyFirst, 0, 80),
            AbuseAttacks.CpuControl => (0, 1, s.ControlCores, 0, 0, 90),
            _ => throw new ArgumentException($"unknown attack '{attack}' (one of {string.Join(", ", AbuseAttacks.Names)}, {AbuseAttacks.CpuControl})"),
        };
        // Every attack alternates, idle then attacking, each half an attack's duration, cycles times (the control burns throughout).
        var cycles = attack == AbuseAttacks.CpuControl ? 0 : Math.Max(0, options.AttackCycles);
        var duration = options.AttackDuration * Math.Max(1, cycles);
        // A real attacker's CPU is its own machine's: at a lower priority (started under nice, so every thread of the
        // runtime inherits it) the attacker's process takes the cores only when the servers and the players leave them.
        var start = new ProcessStartInfo(options.AttackerNice == 0 ? BotRunner.DotnetHost() : "nice")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = runDirectory,
        };
        string[] niceArguments = options.AttackerNice == 0 ? [] : ["-n", Invariant(options.AttackerNice), BotRunner.DotnetHost()];
        string[] arguments =
        [
            .. niceArguments,
            typeof(AbuseBenchmark).Assembly.Location, "abuse-attack",
            "--attack", attack,
            "--gateway", $"127.0.0.1:{servers.GameEndpoints[0].Port}",
            "--balancer", balancer is null ? "" : $"127.0.0.1:{balancer.Port}",
            "--duration", Invariant(duration.TotalSeconds),
            "--cycles", Invariant(cycles),
            "--size", Invariant(size),
            "--addresses", Invariant(addresses),
            "--rate", Invariant(rate),
            "--first-index", Invariant(first),
            "--second-size", Invariant(second),
            "--source-octet", Invariant(octet),
            "--seed-dir", options.SeedDirectory,
            "--admin-url", $"http://127.0.0.1:{servers.SiloAdminPort}",
            "--admin-key", AdminKey,
            "--settle", Invariant(options.Settle.TotalSeconds),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the attacker");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        string? report = null;
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == AbuseAttacks.ReadyLine)
            {
                marks.Begin();
            }
            else if (line == AbuseAttacks.EndLine)
            {
                marks.End();
            }
            else if (line.StartsWith(AbuseAttacks.WindowLine, StringComparison.Ordinal))
            {
                marks.Window(line[AbuseAttacks.WindowLine.Length..]);
            }
            else if (line.StartsWith(AbuseAttacks.ResultLine, StringComparison.Ordinal))
            {
                report = line[AbuseAttacks.ResultLine.Length..];
            }
        }

        await process.WaitForExitAsync(cancellationToken).WaitAsync(duration + TimeSpan.FromMinutes(2), cancellationToken);
        var stderr = await errors;
        if (stderr.Length > 0)
        {
            await File.WriteAllTextAsync(Path.Combine(runDirectory, $"attacker-{attack}.log"), stderr, cancellationToken);
        }

        if (report is null)
        {
            phase.Note = $"the attacker reported nothing (exit {process.ExitCode}); see attacker-{attack}.log in {runDirectory}";
            return;
        }

        using var document = JsonDocument.Parse(report);
        foreach (var count in document.RootElement.GetProperty("counts").EnumerateObject())
        {
            phase.Attacker[count.Name] = count.Value.GetInt64();
        }

        foreach (var measured in document.RootElement.GetProperty("measured").EnumerateObject())
        {
            phase.AttackerMeasured[measured.Name] = Math.Round(measured.Value.GetDouble(), 2);
        }
    }

    /// <summary>The shipped game data with no creature spawns (zones, portals and movement rules as shipped).</summary>
    private static string WriteGameDataWithoutCreatures(string runDirectory)
    {
        var directory = Path.Combine(runDirectory, "gamedata");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GameData"), "*.json"))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(directory, "spawns.json"), "{ \"spawns\": [] }");
        return directory;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
