using System.Diagnostics;
using System.Globalization;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Security;
using System.Text.Json;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// <c>OrleansMmo.Benchmarks host silo|gateway --Key=value ...</c>: runs the real silo or gateway, built by
/// the same <c>Program.BuildApp</c> as their own processes, plus a <see cref="MeterListener"/> on the
/// project's meters (<c>OrleansMmo.*</c>) that prints one <c>METRICS {json}</c> line a second on stdout.
/// That is how a benchmark reads the zone tick histogram and the persistence counters of a separate
/// server process without an exporter in the product.
/// </summary>
public static class ServerHost
{
    public const string MetricsLine = "METRICS ";

    /// <summary>Answer to "gc" on stdin: the managed heap and the working set after a full collection, in bytes.</summary>
    public const string CollectedLine = "COLLECTED ";

    /// <summary>
    /// Answer to "alloc" on stdin: bytes allocated on the managed heap since the process started (exact, all
    /// threads), GC counts of generations 0, 1 and 2, and the total GC pause time in milliseconds. Read before and
    /// after a window of work, it gives the allocation per unit of work without a trace (which slows the process).
    /// </summary>
    public const string AllocatedLine = "ALLOCATED ";

    /// <summary>
    /// Fixture-only switch for the seed command: hash passwords with this many PBKDF2 iterations, below the
    /// product's floor (100,000), so making 50,000 accounts takes minutes instead of hours. Accounts made this
    /// way are only ever resumed with tickets by the benchmarks; the login storm uses accounts hashed at the
    /// real cost.
    /// </summary>
    public const string FixtureIterationsSetting = "--bench-fixture-iterations=";

    public static async Task<int> RunAsync(string role, string[] settings, CancellationToken cancellationToken)
    {
        var fixtureIterations = settings.FirstOrDefault(s => s.StartsWith(FixtureIterationsSetting, StringComparison.Ordinal)) is { } fixture
            ? int.Parse(fixture.AsSpan(FixtureIterationsSetting.Length), System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        var placement = settings.FirstOrDefault(s => s.StartsWith(PlayerPlacement.Setting, StringComparison.Ordinal))?[PlayerPlacement.Setting.Length..];
        var writers = settings.FirstOrDefault(s => s.StartsWith(StorageWriters.Setting, StringComparison.Ordinal))?[StorageWriters.Setting.Length..];
        settings = settings.Where(s => !s.StartsWith(FixtureIterationsSetting, StringComparison.Ordinal)
            && !s.StartsWith(PlayerPlacement.Setting, StringComparison.Ordinal)
            && !s.StartsWith(StorageWriters.Setting, StringComparison.Ordinal)).ToArray();

        void LogToStderr(WebApplicationBuilder builder)
        {
            // Logs go to stderr: stdout carries the metrics lines the parent reads.
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            if (fixtureIterations > 0)
            {
                builder.Services.RemoveAll<IValidateOptions<PasswordHashingOptions>>();
                builder.Services.PostConfigure<PasswordHashingOptions>(o => o.Iterations = fixtureIterations);
            }
        }

        var app = role switch
        {
            "silo" => OrleansMmo.Silo.Program.BuildApp(settings, LogToStderr),
            "gateway" => OrleansMmo.Gateway.Program.BuildApp(settings, LogToStderr),
            _ => null,
        };
        if (app is null)
        {
            await Console.Error.WriteLineAsync($"unknown role '{role}': silo or gateway");
            return 2;
        }

        using var metrics = new MeterSnapshotter();
        await app.StartAsync(cancellationToken);
        // The parent holds our stdin open; end of stream means it is gone, and a server nobody measures
        // must not linger. A blocking read cannot be cancelled, so the thread lives as long as the process.
        // "gc" asks for a full compacting collection and the heap size after it, so memory per connection
        // can be told apart from garbage the GC has not needed to collect yet; "alloc" asks for the allocation so far.
        var parentWatch = new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                if (line == "gc")
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    var heap = GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;
                    Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{CollectedLine}{heap} {Environment.WorkingSet}"));
                    Console.Out.Flush();
                }
                else if (line == "alloc")
                {
                    var allocated = GC.GetTotalAllocatedBytes(precise: true);
                    var paused = GC.GetTotalPauseDuration().TotalMilliseconds;
                    Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{AllocatedLine}{allocated} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {paused:0.###}"));
                    Console.Out.Flush();
                }
            }

            app.Lifetime.StopApplication();
        })
        { IsBackground = true, Name = "parent watch" };
        parentWatch.Start();
        using var threadPoolDelay = new ThreadPoolDelayProbe();
        if (placement is not null)
        {
            var placed = await PlayerPlacement.PlaceAsync(app.Services, placement, cancellationToken);
            Console.Out.WriteLine(PlayerPlacement.DoneLine + placed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (writers is not null)
        {
            var running = await StorageWriters.StartAsync(app.Services, writers, cancellationToken);
            Console.Out.WriteLine(StorageWriters.DoneLine + running.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        // Print only after start, so the parent knows the server is ready when it sees the first line.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var stopping = app.Lifetime.ApplicationStopping;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
            do
            {
                Console.Out.WriteLine(MetricsLine + JsonSerializer.Serialize(metrics.Snapshot(), RunSummary.CompactJsonOptions));
                Console.Out.Flush();
            }
            while (await timer.WaitForNextTickAsync(linked.Token));
        }
        catch (OperationCanceledException)
        {
            // SIGTERM (the host stops) or Ctrl+C.
        }

        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        Console.Out.WriteLine(MetricsLine + JsonSerializer.Serialize(metrics.Snapshot(), RunSummary.CompactJsonOptions));
        Console.Out.Flush();
        return 0;
    }

    /// <summary>
    /// Sums counters (by instrument name, tags ignored) and buckets histograms (milliseconds as microseconds). A
    /// histogram tagged by opcode is also kept per opcode, as <c>name/Opcode</c>: a benchmark can then tell the
    /// server's share of one kind of request's latency from the clients' (the gateway's request duration).
    /// </summary>
    private sealed class MeterSnapshotter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly BotMetrics _sums = new();
        private readonly Dictionary<string, long> _counters = [];
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, object Opcode), string> _perOpcodeNames = new();
        private readonly Lock _gate = new();

        public MeterSnapshotter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith("OrleansMmo.", StringComparison.Ordinal)
                    && instrument is Counter<long> or Counter<int> or Counter<double> or Histogram<double> or Histogram<long> or UpDownCounter<long> or UpDownCounter<int>)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public MetricsSnapshot Snapshot()
        {
            var snapshot = _sums.Snapshot();
            snapshot.Counters.Clear();
            lock (_gate)
            {
                foreach (var (name, value) in _counters)
                {
                    snapshot.Counters[name] = value;
                }
            }

            return snapshot;
        }

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (instrument is Histogram<double> or Histogram<long>)
            {
                // Histograms in ms (the project's unit) are kept in µs buckets for percentiles.
                var scale = instrument.Unit == "s" ? 1_000_000 : instrument.Unit == "ms" ? 1_000 : 1;
                var microseconds = (long)(value * scale);
                _sums.Latency(instrument.Name).RecordMicroseconds(microseconds);
                foreach (var tag in tags)
                {
                    if (tag is { Key: "opcode", Value: { } opcode })
                    {
                        // The tag values are cached objects in the product, so the key is found without building a string.
                        var name = _perOpcodeNames.GetOrAdd((instrument.Name, opcode), key => $"{key.Name}/{key.Opcode}");
                        _sums.Latency(name).RecordMicroseconds(microseconds);
                    }
                }

                return;
            }

            lock (_gate)
            {
                _counters[instrument.Name] = _counters.GetValueOrDefault(instrument.Name) + (long)value;
            }
        }
    }

    /// <summary>
    /// How long a work item waits in this process's thread pool before it runs: one queued every 10 ms, its wait recorded as
    /// <c>mmo.bench.threadpool.delay</c> (ms), and a line a second on stderr (the server's log in the run directory) with
    /// the second's median and largest wait, how many waited over 10 ms, the collections and their pause, and the CPU.
    /// The grains, their timers and Orleans' networking all run as such work items, so this is the wait every request
    /// adds in this process, whatever it is waiting behind (busy cores, threads held by blocking calls, collections).
    /// Each collection's pause is recorded too, as <c>mmo.bench.gc.pause</c> (ms; collections ending within the same
    /// 10 ms as one): a window's pauses, their sum and the longest, are what its requests met.
    /// </summary>
    private sealed class ThreadPoolDelayProbe : IDisposable
    {
        private const string MeterName = "OrleansMmo.Benchmarks.Host";

        private readonly Meter _meter = new(MeterName);
        private readonly Histogram<double> _delay;
        private readonly Histogram<double> _gcPause;
        private readonly System.Collections.Concurrent.ConcurrentQueue<double> _second = new();
        private readonly Thread _thread;
        private volatile bool _stopped;

        public ThreadPoolDelayProbe()
        {
            _delay = _meter.CreateHistogram<double>(OrleansMmo.Benchmarks.Reporting.ThreadPoolDelay.InstrumentName, "ms", "Wait of a work item in this process's thread pool");
            _gcPause = _meter.CreateHistogram<double>(OrleansMmo.Benchmarks.Reporting.GcPauses.InstrumentName, "ms", "A collection's pause in this process");
            _thread = new Thread(Probe) { IsBackground = true, Name = "thread-pool delay probe" };
            _thread.Start();
        }

        public void Dispose()
        {
            _stopped = true;
            _meter.Dispose();
        }

        private void Probe()
        {
            var second = Environment.TickCount64 / 1000;
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var paused = GC.GetTotalPauseDuration();
            var cpu = Environment.CpuUsage.TotalTime;
            var (seen, seenPaused) = (CollectionsSoFar(), paused);
            while (!_stopped)
            {
                Thread.Sleep(10);
                if (CollectionsSoFar() is var collections && collections != seen)
                {
                    var pausedNow = GC.GetTotalPauseDuration();
                    _gcPause.Record((pausedNow - seenPaused).TotalMilliseconds);
                    (seen, seenPaused) = (collections, pausedNow);
                }

                var queued = Stopwatch.GetTimestamp();
                ThreadPool.UnsafeQueueUserWorkItem(
                    state =>
                    {
                        var waited = Stopwatch.GetElapsedTime(state).TotalMilliseconds;
                        _delay.Record(waited);
                        _second.Enqueue(waited);
                    },
                    queued,
                    preferLocal: false);
                if (Environment.TickCount64 / 1000 == second)
                {
                    continue;
                }

                second = Environment.TickCount64 / 1000;
                var waits = new List<double>(_second.Count);
                while (_second.TryDequeue(out var waited))
                {
                    waits.Add(waited);
                }

                waits.Sort();
                var (now0, now1, now2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var nowPaused = GC.GetTotalPauseDuration();
                var nowCpu = Environment.CpuUsage.TotalTime;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"threadpool {DateTime.UtcNow:HH:mm:ss} waits {waits.Count} median {(waits.Count > 0 ? waits[waits.Count / 2] : 0):0.0} ms largest {(waits.Count > 0 ? waits[^1] : 0):0.0} ms over-10ms {waits.Count(w => w > 10)} | collections {now0 - gen0}/{now1 - gen1}/{now2 - gen2} paused {(nowPaused - paused).TotalMilliseconds:0.0} ms | cpu {(nowCpu - cpu).TotalSeconds:0.00} s | threads {ThreadPool.ThreadCount}"));
                (gen0, gen1, gen2, paused, cpu) = (now0, now1, now2, nowPaused, nowCpu);
            }
        }

        // A gen1 or gen2 collection counts in the lower generations' counts too, so gen0's count moves with every one.
        private static int CollectionsSoFar() => GC.CollectionCount(0);
    }
}
