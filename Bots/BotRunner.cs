using System.Diagnostics;
using System.Text.Json;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Bots;

/// <summary>
/// Runs bots for a bounded time, in this process or spread over worker processes (one process holds at
/// most ~19,800 sockets here), and sums everything into one <see cref="RunSummary"/>.
/// </summary>
public static class BotRunner
{
    internal const string SnapshotLine = "SNAPSHOT ";
    internal const string FinalLine = "FINAL ";

    /// <summary>
    /// Runs <paramref name="settings"/>.Bots bots. With <paramref name="processes"/> above 1 they are split
    /// into that many worker processes of <paramref name="workerCommand"/> (this tool, by default).
    /// Progress goes to <paramref name="progress"/> once a second.
    /// </summary>
    public static Task<RunSummary> RunAsync(
        BotSettings settings,
        int processes,
        TextWriter? progress,
        CancellationToken cancellationToken,
        Action<MetricsSnapshot>? onSnapshot = null,
        IReadOnlyList<string>? workerCommand = null) =>
        processes <= 1
            ? RunInProcessAsync(settings, progress, onSnapshot, cancellationToken)
            : RunWorkersAsync(settings, processes, progress, onSnapshot, workerCommand ?? DefaultWorkerCommand(), cancellationToken);

    /// <summary>Runs the bots here. <paramref name="onSnapshot"/> sees the cumulative numbers once a second.</summary>
    public static async Task<RunSummary> RunInProcessAsync(
        BotSettings settings,
        TextWriter? progress,
        Action<MetricsSnapshot>? onSnapshot,
        CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var metrics = new BotMetrics();
        var tracker = new ProgressTracker(settings.Bots, progress);
        var tickets = settings.TicketCache is { } cacheDirectory ? TicketCache.Load(cacheDirectory) : null;
        using var loginGate = new SemaphoreSlim(settings.LoginConcurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();

        var bots = new List<Task>(settings.Bots);
        var finishedBots = 0;
        var starting = StartBotsAsync();
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        MetricsSnapshot final;
        try
        {
            while (clock.Elapsed < settings.Duration && !stop.IsCancellationRequested)
            {
                var left = settings.Duration - clock.Elapsed;
                if (left < TimeSpan.FromSeconds(1))
                {
                    await Task.Delay(left, stop.Token);
                    break;
                }

                await ticker.WaitForNextTickAsync(stop.Token);
                Observe();
                if ((settings.SeedOnly || settings.LoginOnly) && starting.IsCompleted && Volatile.Read(ref finishedBots) == settings.Bots)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped early (Ctrl+C, or the parent process): still summarise what happened.
        }

        // The numbers at the end of the measured time, before shutdown traffic blurs them.
        final = metrics.Snapshot();
        await stop.CancelAsync();
        await starting;
        await Task.WhenAll(bots);
        // The conservation ledger is closed by each bot as it stops, after the measured time: take it from now.
        foreach (var (name, value) in metrics.Snapshot().Counters.Where(c => c.Key.StartsWith("Ledger", StringComparison.Ordinal)))
        {
            final.Counters[name] = value;
        }

        final.ItemLedger = metrics.Snapshot().ItemLedger;

        tracker.Observe(final);
        onSnapshot?.Invoke(final);

        if (tickets is not null && !settings.TicketCacheReadOnly && settings.Bots > 0)
        {
            tickets.Save(settings.Prefix, settings.FirstIndex, settings.FirstIndex + settings.Bots - 1);
        }

        return tracker.Summarize(final, RunSettingsSummary.From(settings, settings.Bots, 1), startedAt);

        void Observe()
        {
            var snapshot = metrics.Snapshot();
            tracker.Observe(snapshot);
            onSnapshot?.Invoke(snapshot);
        }

        async Task StartBotsAsync()
        {
            for (var i = 0; i < settings.Bots && !stop.IsCancellationRequested; i++)
            {
                var bot = new Bot(settings.FirstIndex + i, settings, metrics, tickets, loginGate);
                bots.Add(RunBotAsync(bot));
                if (settings.RampPerSecond > 0)
                {
                    // Paced against the clock, not by sleeping per bot, so a slow start catches up.
                    var due = TimeSpan.FromSeconds((i + 1) / settings.RampPerSecond);
                    if (due > clock.Elapsed)
                    {
                        try
                        {
                            await Task.Delay(due - clock.Elapsed, stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                    }
                }
            }
        }

        async Task RunBotAsync(Bot bot)
        {
            await Task.Yield();
            try
            {
                await bot.RunAsync(stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The run ended while the bot was connecting or logging in.
            }
            catch (Exception ex) when (ex is Client.MmoDisconnectedException or Client.MmoErrorException or TimeoutException or IOException or System.Net.Sockets.SocketException or Client.MmoProtocolException)
            {
                // Counted by the bot; without --reconnect it simply stops.
            }
            finally
            {
                Interlocked.Increment(ref finishedBots);
            }
        }
    }

    /// <summary>The command that starts this tool again: the apphost, or <c>dotnet OrleansMmo.Bots.dll</c>.</summary>
    public static IReadOnlyList<string> DefaultWorkerCommand()
    {
        var assembly = typeof(BotRunner).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet" || !Path.GetFileName(host).StartsWith("OrleansMmo.Bots", StringComparison.Ordinal)
            ? [DotnetHost(), assembly]
            : [host];
    }

    public static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            return host;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk ? fromSdk : "dotnet";
    }

    private static async Task<RunSummary> RunWorkersAsync(
        BotSettings settings,
        int processes,
        TextWriter? progress,
        Action<MetricsSnapshot>? onSnapshot,
        IReadOnlyList<string> workerCommand,
        CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var workers = new List<Worker>();
        var perProcess = settings.Bots / processes;
        var remainder = settings.Bots % processes;
        var first = settings.FirstIndex;
        for (var p = 0; p < processes; p++)
        {
            var share = perProcess + (p < remainder ? 1 : 0);
            if (share == 0)
            {
                continue;
            }

            var workerSettings = settings with
            {
                Bots = share,
                FirstIndex = first,
                RampPerSecond = settings.RampPerSecond / processes,
                LoginConcurrency = Math.Max(1, settings.LoginConcurrency / processes),
            };
            workers.Add(Worker.Start(workerCommand, workerSettings, p));
            first += share;
        }

        var tracker = new ProgressTracker(settings.Bots, progress);
        var clock = Stopwatch.StartNew();
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (!workers.All(w => w.Exited.IsCompleted))
            {
                await ticker.WaitForNextTickAsync(cancellationToken);
                var snapshot = Sum(workers.Select(w => w.Latest));
                tracker.Observe(snapshot);
                onSnapshot?.Invoke(snapshot);
                if (clock.Elapsed > settings.Duration + TimeSpan.FromMinutes(2))
                {
                    // A worker that does not finish two minutes after its time is stuck; its last numbers still count.
                    workers.ForEach(w => w.Kill());
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            workers.ForEach(w => w.RequestStop());
        }

        await Task.WhenAll(workers.Select(w => w.Exited.WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => w.Kill(), TaskScheduler.Default)));
        var final = Sum(workers.Select(w => w.Final ?? w.Latest));
        var failed = workers.Where(w => w.Final is null).Select(w => w.Index).ToList();
        if (failed.Count > 0)
        {
            final.Errors["WORKER_FAILED"] = failed.Count;
        }

        return tracker.Summarize(final, RunSettingsSummary.From(settings, settings.Bots, processes), startedAt);
    }

    private static MetricsSnapshot Sum(IEnumerable<MetricsSnapshot?> snapshots) =>
        MetricsSnapshot.Sum(snapshots.OfType<MetricsSnapshot>().ToList());

    /// <summary>One worker process: its newest snapshot and its final one, read from its stdout.</summary>
    private sealed class Worker
    {
        private readonly Process _process;

        private Worker(Process process, int index)
        {
            _process = process;
            Index = index;
            Exited = ReadAsync();
        }

        public int Index { get; }

        public MetricsSnapshot? Latest { get; private set; }

        public MetricsSnapshot? Final { get; private set; }

        public Task Exited { get; }

        public static Worker Start(IReadOnlyList<string> command, BotSettings settings, int index)
        {
            var start = new ProcessStartInfo(command[0])
            {
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in command.Skip(1).Concat(WorkerArguments.For(settings)))
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start worker {index}");
            return new Worker(process, index);
        }

        /// <summary>Workers stop when their stdin says so or closes (the parent went away).</summary>
        public void RequestStop()
        {
            try
            {
                _process.StandardInput.WriteLine("stop");
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }

        public void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        private async Task ReadAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(SnapshotLine, StringComparison.Ordinal))
                {
                    Latest = JsonSerializer.Deserialize<MetricsSnapshot>(line.AsSpan(SnapshotLine.Length), RunSummary.CompactJsonOptions);
                }
                else if (line.StartsWith(FinalLine, StringComparison.Ordinal))
                {
                    Final = JsonSerializer.Deserialize<MetricsSnapshot>(line.AsSpan(FinalLine.Length), RunSummary.CompactJsonOptions);
                    Latest = Final;
                }
                else
                {
                    await Console.Error.WriteLineAsync($"worker {Index}: {line}");
                }
            }

            await _process.WaitForExitAsync();
        }
    }
}
