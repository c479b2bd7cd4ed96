using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Security;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// e. Login queue. Online players (from the seed) sit in the default world asking for their own state
/// (GetPlayer) a few times a second; their latency is measured for a while. Then thousands of clients
/// arrive at once for a world of the given capacity: the first fill it, the rest wait in its queue, bots
/// like players (EnterWorld, QueueUpdate pushes, EnterWorld again at their turn). The operators then raise
/// the capacity step by step (the API's PUT /api/worlds), so the queue moves in order. Reported: whether
/// positions only went down, whether turns came in queue order, the longest silence between two position
/// pushes, queue waits, and the online players' p99 before versus while the queue moves.
/// </summary>
public static class QueueBenchmark
{
    public const string AdminKey = "benchmark-operator-key-0123456789";

    public sealed record Options(
        int Online, int Arrivals, int Capacity, int RaisePerSecond, double ProbeRate, TimeSpan Before, TimeSpan MaxDuration,
        int OnlineProcesses, double? SessionStartsPerSecond, string SeedDirectory, string RunDirectory, string? Out,
        double? ControlCores = null, TimeSpan? ControlDuration = null, TimeSpan? Stay = null, double StaySpread = 0, int Residents = 0, int Gateways = 1,
        bool OnlineGatewayApart = false);

    /// <summary>How long the control lasts unless told: about as long as 5,000 arrivals take at the default admission (50-52 s).</summary>
    public static readonly TimeSpan DefaultControlDuration = TimeSpan.FromSeconds(52);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        if (options.Residents > 0 && options.Stay is null)
        {
            await Console.Error.WriteLineAsync("--residents needs --stay-seconds: how long after the arrivals start each resident leaves");
            return 2;
        }

        if ((options.Stay is { } stayGiven && stayGiven <= TimeSpan.Zero) || options.StaySpread is < 0 or > 1 || options.Residents < 0 || options.Gateways < 1)
        {
            await Console.Error.WriteLineAsync("--stay-seconds must be above 0, --stay-spread 0-1, --residents 0 or more, --gateways 1 or more");
            return 2;
        }

        if (options.OnlineGatewayApart && options.Gateways < 2)
        {
            await Console.Error.WriteLineAsync("--online-gateway-apart needs --gateways 2 or more: one for the online players, the others for the arrivals");
            return 2;
        }

        var seed = BenchmarkSeed.Require(options.SeedDirectory, options.Online + options.Residents + options.Arrivals);
        var runDirectory = Path.Combine(options.RunDirectory, $"queue-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Console.WriteLine($"queue: {options.Online:N0} online players probing at {options.ProbeRate:0.#}/s; {options.Arrivals:N0} arrivals at once for capacity {options.Capacity:N0}, raised by {options.RaisePerSecond}/s"
            + (options.Residents > 0 ? $"; {options.Residents:N0} residents in the world before, leaving once the arrivals start" : "")
            + (options.Stay is { } stay ? $"; each arrival leaves {stay.TotalSeconds:0.#} s (±{options.StaySpread:0%}) after it entered" : ""));
        var result = new BenchmarkResult("queue")
        {
            Parameters =
            {
                ["online"] = options.Online,
                ["arrivals"] = options.Arrivals,
                ["capacity"] = options.Capacity,
                ["raisePerSecond"] = options.RaisePerSecond,
                ["probeRate"] = options.ProbeRate,
                ["beforeSeconds"] = options.Before.TotalSeconds,
                ["onlineProcesses"] = options.OnlineProcesses,
                ["sessionStartsPerSecond"] = ServerSetOptions.SessionStartsPerSecond(options.SessionStartsPerSecond),
                ["controlCores"] = options.ControlCores ?? -1,
                ["staySeconds"] = options.Stay?.TotalSeconds ?? -1,
                ["staySpread"] = options.StaySpread,
                ["residents"] = options.Residents,
                ["gateways"] = options.Gateways,
                ["onlineGatewayApart"] = options.OnlineGatewayApart ? 1 : 0,
            },
        };

        await using var servers = await ServerSet.StartAsync(runDirectory, new ServerSetOptions
        {
            SqliteTemplate = seed.Database,
            Gateways = options.Gateways,
            SiloSettings = [("Admin:Key", AdminKey)],
            GatewaySettings = ServerSetOptions.SessionStartsSettings(options.SessionStartsPerSecond),
        }, seed, Console.Out);
        using var api = new OperatorApi(servers.SiloAdminPort, AdminKey);
        var world = await api.DefaultWorldAsync(cancellationToken);
        await api.SetCapacityAsync(world, options.Capacity, cancellationToken);

        var ledger = new QueueLedger();
        // Apart: the waiting clients' connections and sessions on gateways the online players never use, so what is
        // left of the rise is the silo's share and the machine's.
        var onlineGateways = options.OnlineGatewayApart ? servers.GameEndpoints.Take(1).ToList() : servers.GameEndpoints;
        var arrivalGateways = options.OnlineGatewayApart ? servers.GameEndpoints.Skip(1).ToList() : servers.GameEndpoints;
        var online = new BotSettings
        {
            Gateways = onlineGateways,
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
        var arrivals = new BotSettings
        {
            Gateways = arrivalGateways,
            Bots = options.Arrivals,
            FirstIndex = options.Online + options.Residents,
            Prefix = BenchmarkSeed.Prefix,
            TicketCache = seed.Tickets,
            TicketCacheReadOnly = true,
            MoveRate = 0,
            ChatInterval = TimeSpan.Zero,
            RampPerSecond = 0,
            LoginConcurrency = 256,
            Duration = options.MaxDuration,
            RequestTimeout = TimeSpan.FromSeconds(30),
            QueueLedger = ledger,
            StayInWorld = options.Stay,
            StaySpread = options.StaySpread,
        };
        // Residents fill the world before the window, unmeasured, so that it is as full before the arrivals as during
        // them; their stays start when the arrivals do, so the queue moves as they leave.
        var arrivalsStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var residents = arrivals with
        {
            Bots = options.Residents,
            FirstIndex = options.Online,
            LoginConcurrency = 64,
            QueueLedger = null,
            StayInWorld = options.Stay ?? TimeSpan.Zero,
            StayStartsWith = arrivalsStarted.Task,
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        TimeSpan? allInAt = null;
        MetricsSnapshot? notAllIn = null;
        MetricsSnapshot? beforeStart = null, queueStart = null, queueEnd = null;
        // The same requests timed inside the gateway (frame in -> answer queued), at the same three moments: the
        // servers' share of the online players' latency, told apart from their own sockets and processes.
        MetricsSnapshot? gatewayBeforeStart = null, gatewayQueueStart = null, gatewayQueueEnd = null;
        // And the silo's, at the same moments, for its thread-pool delay.
        MetricsSnapshot? siloBeforeStart = null, siloQueueStart = null, siloQueueEnd = null;
        // With several gateways, their requests together (each client is on one); collections and thread pools per gateway.
        // The sum at each moment is taken from the same snapshots as the per-gateway figures.
        MetricsSnapshot[] EachGateway() => servers.Gateways.Select(g => g.Metrics).ToArray();
        MetricsSnapshot GatewayMetrics() => MetricsSnapshot.Sum(EachGateway());
        MetricsSnapshot[]? eachGatewayBeforeStart = null, eachGatewayQueueStart = null, eachGatewayQueueEnd = null;
        Task<RunSummary>? arrivalRun = null;
        Task<RunSummary>? controlRun = null;
        Task? raising = null;
        // Every process's CPU in both windows (this process runs the arrivals' clients, or the control's burner).
        var cpuProcesses = new Dictionary<string, int>
        {
            ["silo"] = servers.Silo.Pid,
            ["arrivals"] = CpuWindow.Self,
        };
        for (var i = 0; i < servers.Gateways.Count; i++)
        {
            cpuProcesses[GatewayName(i)] = servers.Gateways[i].Pid;
        }

        var cpuBefore = new CpuWindow(cpuProcesses);
        var cpuDuring = new CpuWindow(cpuProcesses);
        var arrivalsIn = 0L;
        var residentsIn = 0L;
        var residentRun = options.Residents > 0
            ? BotRunner.RunInProcessAsync(residents, null, s => Interlocked.Exchange(ref residentsIn, s.Counter(Counter.InWorld)), stop.Token)
            : null;
        // The online players' latency is measured in worker processes of their own (with --online-processes 2 or
        // more), so thousands of arrivals in this process do not delay the measurement itself.
        var onlineRun = BotRunner.RunAsync(online, options.OnlineProcesses, Console.Out, stop.Token, snapshot =>
        {
            if (allInAt is null && snapshot.Counter(Counter.InWorld) >= options.Online && Interlocked.Read(ref residentsIn) >= options.Residents)
            {
                allInAt = clock.Elapsed;
            }
            else if (allInAt is null && notAllIn is null && clock.Elapsed >= OnlineEntry.Bound)
            {
                notAllIn = snapshot;
                Console.WriteLine(OnlineEntry.NotAllIn(snapshot, options.Online));
                stop.Cancel();
            }

            if (allInAt is { } at && beforeStart is null && clock.Elapsed - at >= TimeSpan.FromSeconds(5))
            {
                beforeStart = snapshot;
                eachGatewayBeforeStart = EachGateway();
                gatewayBeforeStart = MetricsSnapshot.Sum(eachGatewayBeforeStart);
                siloBeforeStart = servers.Silo.Metrics;
                cpuBefore.Start();
            }

            if (beforeStart is not null && queueStart is null && snapshot.ElapsedSeconds - beforeStart.ElapsedSeconds >= options.Before.TotalSeconds)
            {
                queueStart = snapshot;
                eachGatewayQueueStart = EachGateway();
                gatewayQueueStart = MetricsSnapshot.Sum(eachGatewayQueueStart);
                siloQueueStart = servers.Silo.Metrics;
                cpuBefore.Stop();
                cpuDuring.Start();
                if (options.ControlCores is { } cores)
                {
                    Console.WriteLine($"control: {cores:0.##} cores of plain CPU work instead of the arrivals");
                    controlRun = CpuBurner.RunAsync(cores, options.ControlDuration ?? DefaultControlDuration, stop.Token);
                }
                else
                {
                    Console.WriteLine("arrivals start");
                    arrivalsStarted.TrySetResult();
                    arrivalRun = BotRunner.RunInProcessAsync(arrivals, null, s => Interlocked.Exchange(ref arrivalsIn, s.Counter(Counter.EnteredWorld)), stop.Token);
                    raising = RaiseAsync(api, world, options, () => Interlocked.Read(ref arrivalsIn) >= options.Arrivals, stop.Token);
                }
            }

            if (queueStart is not null && queueEnd is null && (Interlocked.Read(ref arrivalsIn) >= options.Arrivals || controlRun is { IsCompleted: true }))
            {
                queueEnd = snapshot;
                eachGatewayQueueEnd = EachGateway();
                gatewayQueueEnd = MetricsSnapshot.Sum(eachGatewayQueueEnd);
                siloQueueEnd = servers.Silo.Metrics;
                cpuDuring.Stop();
                Console.WriteLine(controlRun is null
                    ? $"every arrival is in the world after {snapshot.ElapsedSeconds - queueStart.ElapsedSeconds:0.0} s"
                    : $"the control ended after {snapshot.ElapsedSeconds - queueStart.ElapsedSeconds:0.0} s");
                stop.Cancel();
            }
        });
        var onlineSummary = await onlineRun;
        var arrivalSummary = arrivalRun is null ? null : await arrivalRun;
        if (residentRun is not null)
        {
            result.Runs["residents"] = await residentRun;
        }
        if (controlRun is not null)
        {
            await controlRun;
        }

        if (raising is not null)
        {
            await raising.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        result.Runs["online"] = onlineSummary;
        if ((arrivalSummary is null && controlRun is null) || beforeStart is null || queueStart is null || queueEnd is null)
        {
            result.Notes.Add(notAllIn is not null ? OnlineEntry.NotAllIn(notAllIn, options.Online) : "the queue did not empty within the run (is --max-duration long enough?)");
            if (arrivalSummary is not null)
            {
                result.Runs["arrivals"] = arrivalSummary;
            }

            await result.WriteAsync(options.Out);
            return 1;
        }

        string[] probe = ["GetPlayer"];
        var before = OnlineLatency.Between(beforeStart, queueStart, probe);
        var during = OnlineLatency.Between(queueStart, queueEnd, probe);
        string[] gatewayProbe = ["mmo.gateway.request.duration/GetPlayer"];
        var gatewayBefore = OnlineLatency.Between(gatewayBeforeStart!, gatewayQueueStart!, gatewayProbe);
        var gatewayDuring = OnlineLatency.Between(gatewayQueueStart!, gatewayQueueEnd!, gatewayProbe);
        result.Metrics["queueSeconds"] = Math.Round(queueEnd.ElapsedSeconds - queueStart.ElapsedSeconds, 1);
        OnlineLatency.Record(result.Metrics, before, during, gatewayBefore, gatewayDuring);
        CpuWindow.Record(result.Metrics, cpuBefore, cpuDuring);
        (string, MetricsSnapshot, MetricsSnapshot, MetricsSnapshot)[] serverWindows =
        [
            ("silo", siloBeforeStart!, siloQueueStart!, siloQueueEnd!),
            .. servers.Gateways.Select((_, i) => (GatewayName(i), eachGatewayBeforeStart![i], eachGatewayQueueStart![i], eachGatewayQueueEnd![i])),
        ];
        // Where the arrivals' connections went, per gateway (with --online-gateway-apart: none on the first).
        for (var i = 0; i < servers.Gateways.Count; i++)
        {
            result.Metrics[$"{GatewayName(i)}ConnectionsOpenedDuring"] = eachGatewayQueueEnd![i].CounterSince(eachGatewayQueueStart![i], "mmo.gateway.connections.opened");
        }

        var threadPoolLine = ThreadPoolDelay.Record(result.Metrics, serverWindows);
        var gcLine = GcPauses.Record(result.Metrics, serverWindows);

        var cpuLine = CpuWindow.Compare(cpuBefore, cpuDuring);
        if (arrivalSummary is null)
        {
            // The control: no queue to judge, only what that much CPU did to the online players.
            result.Targets.Add(Target.AtMost("online players' p99 rise during the control (fraction)", result.Metrics["onlineP99Rise"], 0.25));
            Console.WriteLine($"control: {cpuLine}; online p99 {before.P99Ms:0.00} -> {during.P99Ms:0.00} ms (in the gateway {gatewayBefore.P99Ms:0.00} -> {gatewayDuring.P99Ms:0.00} ms); {threadPoolLine}; {gcLine}");
            await result.WriteAsync(options.Out);
            return 0;
        }

        result.Runs["arrivals"] = arrivalSummary;
        var entries = ledger.Entries;
        var queued = entries.Count(e => e.Updates > 0);
        result.Metrics["queued"] = queued;
        result.Metrics["admittedWithoutQueue"] = options.Arrivals - queued;
        result.Metrics["positionsThatRose"] = entries.Count(e => e.PositionRose);
        // The queue's own order is the sequence its signed tickets carry (the same key as the servers').
        var signer = new TicketSigner(Microsoft.Extensions.Options.Options.Create(new TicketOptions { SigningKey = seed.SigningKey }), NullLogger<TicketSigner>.Instance);
        long? PlaceOf(QueueLedger.Entry entry) => QueueTicket.TryDecode(entry.FirstTicket, signer, out var ticket) ? ticket.Sequence : null;
        result.Metrics["queuedWithoutAPlace"] = entries.Count(e => e.Updates > 0 && PlaceOf(e) is null);
        result.Metrics["fifoViolations"] = ledger.FifoViolations(PlaceOf, TimeSpan.FromSeconds(1));
        result.Metrics["largestTurnInversionMs"] = Math.Round(ledger.LargestInversion(PlaceOf).TotalMilliseconds, 0);
        // Pushes that reached a client after one the world told later (Orleans does not keep two calls to a gateway in
        // order); the SDK keeps the newest by version, so these must not cost anyone a turn.
        result.Metrics["queuePushesOutOfOrder"] = ledger.PushesOutOfOrder;
        // The same for the zones' deliveries, seen at the gateway (their world updates let go, whole views sent next).
        result.Metrics["gatewayLateDeliveries"] = GatewayMetrics().Counters.GetValueOrDefault("mmo.gateway.late_deliveries");
        if (result.Metrics["fifoViolations"] > 0 && ledger.DescribeLargestInversion(PlaceOf) is { } inversion)
        {
            result.Notes.Add("largest inversion: " + inversion);
            Console.WriteLine("largest inversion: " + inversion);
        }

        result.Metrics["longestPushSilenceMs"] = Math.Round(entries.Select(e => e.LongestSilence.TotalMilliseconds).DefaultIfEmpty(0).Max(), 0);
        result.Metrics["queueWaitP50Ms"] = arrivalSummary.Latency.GetValueOrDefault("queue_wait")?.P50Ms ?? 0;
        result.Metrics["queueWaitP99Ms"] = arrivalSummary.Latency.GetValueOrDefault("queue_wait")?.P99Ms ?? 0;
        // Session starts the gateway's admission control (or the account's throttles) asked to come back later.
        result.Metrics["arrivalsRetriedLater"] = arrivalSummary.Counters.GetValueOrDefault(nameof(Counter.RetriedLater));
        result.Targets.Add(Target.AtMost("queue positions that went up", result.Metrics["positionsThatRose"], 0));
        result.Targets.Add(Target.AtMost("turns out of queue order (by more than 1 s)", result.Metrics["fifoViolations"], 0));
        result.Targets.Add(Target.AtMost("longest silence between two position pushes (ms; interval 2,000)", result.Metrics["longestPushSilenceMs"], 3000));
        result.Targets.Add(Target.AtMost("online players' p99 rise while the queue moves (fraction)", result.Metrics["onlineP99Rise"], 0.25));
        Console.WriteLine($"{queued:N0} queued; positions rose {result.Metrics["positionsThatRose"]}, FIFO violations {result.Metrics["fifoViolations"]} (largest {result.Metrics["largestTurnInversionMs"]} ms), "
            + $"longest push silence {result.Metrics["longestPushSilenceMs"]} ms; pushes out of order {result.Metrics["queuePushesOutOfOrder"]}, "
            + $"late zone deliveries {result.Metrics["gatewayLateDeliveries"]}; online p99 {before.P99Ms:0.00} -> {during.P99Ms:0.00} ms"
            + $" (in the gateway {gatewayBefore.P99Ms:0.00} -> {gatewayDuring.P99Ms:0.00} ms); {cpuLine}; {threadPoolLine}; {gcLine}");
        await result.WriteAsync(options.Out);
        return 0;
    }

    /// <summary>The first gateway keeps the name the results had with one ("gateway"); the others are numbered.</summary>
    private static string GatewayName(int index) => index == 0 ? "gateway" : $"gateway{index + 1}";

    /// <summary>Raises the world's capacity every second by the given step until every arrival is in.</summary>
    private static async Task RaiseAsync(OperatorApi api, string world, Options options, Func<bool> done, CancellationToken cancellationToken)
    {
        if (options.RaisePerSecond <= 0)
        {
            // The queue moves only as players leave (--stay-seconds).
            return;
        }

        // First the arrivals fill the free places and the rest queue; then the operators open more.
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var capacity = options.Capacity;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (!done() && await timer.WaitForNextTickAsync(cancellationToken))
        {
            capacity += options.RaisePerSecond;
            await api.SetCapacityAsync(world, capacity, cancellationToken);
        }
    }
}
