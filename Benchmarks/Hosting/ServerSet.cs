using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>How a benchmark wants its servers.</summary>
public sealed record ServerSetOptions
{
    /// <summary>Gateway processes, each on its own game port.</summary>
    public int Gateways { get; init; } = 1;

    /// <summary>SQLite file to copy as the silo's database (a seeded snapshot); null starts from an empty file.</summary>
    public string? SqliteTemplate { get; init; }

    /// <summary>SQLite file to use in place (the seed command grows its snapshot this way); wins over <see cref="SqliteTemplate"/>.</summary>
    public string? SqliteFile { get; init; }

    /// <summary>Set: PostgreSQL storage with this connection string instead of SQLite.</summary>
    public string? Postgres { get; init; }

    /// <summary>Fixture-only: PBKDF2 iterations below the product's floor, for making the seed (see <see cref="ServerHost.FixtureIterationsSetting"/>).</summary>
    public int? FixtureIterations { get; init; }

    /// <summary>Fixture-only: scatter the seed's characters over the world (<see cref="PlayerPlacement"/>), <c>prefix:count</c>.</summary>
    public string? PlacePlayers { get; init; }

    /// <summary>Fixture-only: grains whose player state changes all the time (<see cref="StorageWriters"/>), <c>count:changeMilliseconds</c>.</summary>
    public string? StorageWriters { get; init; }

    /// <summary>Orleans service id: grain state rows are keyed by it, so a run on a shared PostgreSQL database can keep to its own.</summary>
    public string ServiceId { get; init; } = "orleansmmo-bench";

    /// <summary>Extra silo settings (<c>Key</c>, <c>Value</c>).</summary>
    public IReadOnlyList<(string Key, string Value)> SiloSettings { get; init; } = [];

    /// <summary>Extra settings for every gateway.</summary>
    public IReadOnlyList<(string Key, string Value)> GatewaySettings { get; init; } = [];

    /// <summary>The gateway settings for a <c>--session-starts</c> rate: none when not given (the gateway's default).</summary>
    public static IReadOnlyList<(string Key, string Value)> SessionStartsSettings(double? perSecond) => perSecond is { } rate
        ? [("Gateway:SessionStarts:PerSecond", rate.ToString(System.Globalization.CultureInfo.InvariantCulture))]
        : [];

    /// <summary>The session starts per second the gateways admit with <see cref="SessionStartsSettings"/>, for the results.</summary>
    public static double SessionStartsPerSecond(double? perSecond) => perSecond ?? new Gateway.Connections.SessionStartOptions().PerSecond;
}

/// <summary>
/// One silo and N gateways as child processes (this tool's <c>host</c> command, see <see cref="ServerHost"/>)
/// on free loopback ports, with a fresh database in a run directory. Stopped with SIGTERM, gracefully, when
/// disposed; their logs stay in the run directory.
/// </summary>
public sealed class ServerSet : IAsyncDisposable
{
    /// <summary>The PBKDF2 iteration count every benchmark silo uses: the lowest the options allow.
    /// Seeded accounts were hashed with it, so logins never pay for a rehash.</summary>
    public const int PasswordIterations = 100_000;

    private readonly List<ServerProcess> _gateways = [];
    private readonly List<int> _webSocketPorts = [];
    private readonly List<int> _adminPorts = [];

    private ServerSet(string runDirectory, ServerProcess silo)
    {
        RunDirectory = runDirectory;
        Silo = silo;
    }

    public string RunDirectory { get; }

    public ServerProcess Silo { get; }

    public IReadOnlyList<ServerProcess> Gateways => _gateways;

    public IReadOnlyList<DnsEndPoint> GameEndpoints => _gateways.Select(g => new DnsEndPoint("127.0.0.1", g.Port)).ToList();

    /// <summary>The gateways' WebSocket endpoints (the same game, over WebSocket), in gateway order.</summary>
    public IReadOnlyList<DnsEndPoint> WebSocketEndpoints => _webSocketPorts.Select(port => new DnsEndPoint("127.0.0.1", port)).ToList();

    /// <summary>The gateways' admin ports (health, readiness), in gateway order.</summary>
    public IReadOnlyList<int> GatewayAdminPorts => _adminPorts;

    public int SiloGatewayPort { get; private init; }

    /// <summary>The silo's admin port: health, metrics, the operator API.</summary>
    public int SiloAdminPort { get; private init; }

    public string ServiceId { get; private init; } = "";

    /// <summary>The SQLite file the silo uses (unused with PostgreSQL).</summary>
    public string DatabaseFile { get; private init; } = "";

    public static async Task<ServerSet> StartAsync(string runDirectory, ServerSetOptions options, BenchmarkSeed? seed, TextWriter log)
    {
        Directory.CreateDirectory(runDirectory);
        var database = options.SqliteFile ?? Path.Combine(runDirectory, "game.db");
        if (options.SqliteFile is null && options.SqliteTemplate is { } template)
        {
            File.Copy(template, database, overwrite: true);
        }

        var siloPort = FreePort();
        var siloGatewayPort = FreePort();
        var siloAdminPort = FreePort();
        List<(string, string)> siloSettings =
        [
            ("Cluster:ServiceId", options.ServiceId),
            ("Cluster:ClusterId", options.ServiceId),
            ("Cluster:SiloPort", Invariant(siloPort)),
            ("Cluster:GatewayPort", Invariant(siloGatewayPort)),
            ("Admin:Port", Invariant(siloAdminPort)),
            ("Storage:SqlitePath", database),
            ("ConnectionStrings:Postgres", options.Postgres ?? ""),
            ("ConnectionStrings:Redis", ""),
            ("World:GameDataPath", Path.Combine(AppContext.BaseDirectory, "GameData")),
            ("Accounts:PasswordHashing:Iterations", Invariant(PasswordIterations)),
            // Seeded tickets must outlive the seed run, and every silo must accept them.
            ("Tickets:Lifetime", "30.00:00:00"),
            ("Tickets:SigningKey", seed?.SigningKey ?? BenchmarkSeed.NewSigningKey()),
            .. QuietLogging,
            .. options.SiloSettings,
        ];
        log.WriteLine($"starting silo (run directory {runDirectory})");
        List<string> fixtures = [];
        if (options.FixtureIterations is { } iterations)
        {
            fixtures.Add(ServerHost.FixtureIterationsSetting + iterations.ToString(CultureInfo.InvariantCulture));
        }

        if (options.PlacePlayers is { } placement)
        {
            fixtures.Add(PlayerPlacement.Setting + placement);
        }

        if (options.StorageWriters is { } writers)
        {
            fixtures.Add(Hosting.StorageWriters.Setting + writers);
        }

        var silo = await ServerProcess.StartAsync("silo", siloSettings, runDirectory, port: siloGatewayPort, extra: fixtures);
        var set = new ServerSet(runDirectory, silo) { SiloGatewayPort = siloGatewayPort, SiloAdminPort = siloAdminPort, ServiceId = options.ServiceId, DatabaseFile = database };
        try
        {
            for (var i = 0; i < options.Gateways; i++)
            {
                var gamePort = FreePort();
                var webSocketPort = FreePort();
                var adminPort = FreePort();
                List<(string, string)> gatewaySettings =
                [
                    ("Cluster:ServiceId", options.ServiceId),
                    ("Cluster:ClusterId", options.ServiceId),
                    ("Cluster:GatewayPort", Invariant(siloGatewayPort)),
                    ("ConnectionStrings:Redis", ""),
                    ("Gateway:GatewayId", $"bench-gw-{i + 1}"),
                    ("Gateway:ListenAddress", "127.0.0.1"),
                    ("Gateway:Port", Invariant(gamePort)),
                    ("Gateway:AdminPort", Invariant(adminPort)),
                    ("Gateway:WebSocket:Port", Invariant(webSocketPort)),
                    .. QuietLogging,
                    .. options.GatewaySettings,
                ];
                set._gateways.Add(await ServerProcess.StartAsync($"gateway-{i + 1}", gatewaySettings, runDirectory, port: gamePort, role: "gateway"));
                set._webSocketPorts.Add(webSocketPort);
                set._adminPorts.Add(adminPort);
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        log.WriteLine($"silo pid {silo.Pid}; gateways {string.Join(", ", set._gateways.Select(g => $"pid {g.Pid} port {g.Port}"))}");
        return set;
    }

    public async ValueTask DisposeAsync()
    {
        // Gateways first, as run.sh does: they tell clients why, then the silo writes its state.
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        await Silo.DisposeAsync();
    }

    private static readonly (string, string)[] QuietLogging =
    [
        ("Logging:LogLevel:Default", "Warning"),
        ("Logging:LogLevel:Orleans", "Error"),
        ("Logging:LogLevel:OrleansMmo", "Warning"),
        ("Logging:LogLevel:Microsoft", "Warning"),
    ];

    public static int FreePort() => OrleansMmo.Tests.Infrastructure.LoopbackPorts.FreeTcp();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One reading of a server's managed allocation, GC counts and pause time, and its CPU time, at one moment.</summary>
public sealed record GcReading(long AllocatedBytes, int Gen0, int Gen1, int Gen2, double PauseMs, TimeSpan Cpu)
{
    /// <summary>What happened between <paramref name="earlier"/> and this reading.</summary>
    public GcReading Since(GcReading earlier) =>
        new(AllocatedBytes - earlier.AllocatedBytes, Gen0 - earlier.Gen0, Gen1 - earlier.Gen1, Gen2 - earlier.Gen2, PauseMs - earlier.PauseMs, Cpu - earlier.Cpu);
}

/// <summary>A silo or gateway child process: its port, memory, CPU time and newest metrics.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _firstMetrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private Task _logging = Task.CompletedTask;
    private MetricsSnapshot? _latest;

    private ServerProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        _reading = ReadAsync();
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>Newest numbers from the process's meters (<see cref="ServerHost"/>).</summary>
    public MetricsSnapshot Metrics => Volatile.Read(ref _latest) ?? new MetricsSnapshot();

    public static async Task<ServerProcess> StartAsync(
        string name, IEnumerable<(string Key, string Value)> settings, string runDirectory, int port, string role = "silo", IEnumerable<string>? extra = null)
    {
        var start = new ProcessStartInfo(BotRunner.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The host stops when this closes, that is when this process ends however it ends; "gc" asks for a collection.
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = runDirectory,
        };
        MirrorRuntimeSettings(start, role);
        start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        start.ArgumentList.Add("host");
        start.ArgumentList.Add(role);
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        foreach (var argument in extra ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var server = new ServerProcess(name, process, port);
        var logPath = Path.Combine(runDirectory, $"{name}.log");
        server._logging = server.CopyStderrAsync(logPath);
        var ready = await Task.WhenAny(server._firstMetrics.Task, server._reading, Task.Delay(TimeSpan.FromSeconds(90)));
        if (ready != server._firstMetrics.Task)
        {
            await server.DisposeAsync();
            var tail = File.Exists(logPath) ? string.Join('\n', File.ReadLines(logPath).TakeLast(20)) : "";
            throw new InvalidOperationException($"{name} did not start (see {logPath}):\n{tail}");
        }

        return server;
    }

    /// <summary>
    /// The silo and gateway ship with server GC (their runtimeconfig.json, as Sdk.Web sets it), which changes
    /// memory use a lot, and both with no thread-pool spinning and no profile-guided JIT tier; this tool has neither. The host process gets the
    /// product's GC, JIT and thread-pool settings through the runtime's environment variables, read from the product's own runtimeconfig.json beside this tool.
    /// </summary>
    private static void MirrorRuntimeSettings(ProcessStartInfo start, string role)
    {
        var config = Path.Combine(AppContext.BaseDirectory, $"OrleansMmo.{(role == "silo" ? "Silo" : "Gateway")}.runtimeconfig.json");
        if (!File.Exists(config))
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(config));
        if (!document.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties))
        {
            return;
        }

        if (properties.TryGetProperty("System.GC.Server", out var server))
        {
            start.Environment["DOTNET_gcServer"] = server.GetBoolean() ? "1" : "0";
        }

        if (properties.TryGetProperty("System.GC.Concurrent", out var concurrent))
        {
            start.Environment["DOTNET_gcConcurrent"] = concurrent.GetBoolean() ? "1" : "0";
        }

        if (properties.TryGetProperty("System.Runtime.TieredPGO", out var tieredPgo))
        {
            start.Environment["DOTNET_TieredPGO"] = tieredPgo.GetBoolean() ? "1" : "0";
        }

        if (properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit))
        {
            start.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = spinLimit.ValueKind == JsonValueKind.String ? spinLimit.GetString() : spinLimit.GetRawText();
        }
    }

    /// <summary>Resident memory, from /proc: what the process really holds, GC heap, stacks and native buffers alike.</summary>
    public long ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return kb * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Exited.
        }

        return 0;
    }

    /// <summary>User + system CPU time used so far, from /proc.</summary>
    public TimeSpan CpuTime() => Reporting.CpuWindow.CpuTime(Pid);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the host stops gracefully (the silo writes dirty state, the gateway says goodbye).
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Invariant(Pid)]) { UseShellExecute = false }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            if (!_process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        await Task.WhenAll(_reading, _logging).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(ServerHost.MetricsLine, StringComparison.Ordinal))
            {
                Volatile.Write(ref _latest, JsonSerializer.Deserialize<MetricsSnapshot>(line.AsSpan(ServerHost.MetricsLine.Length), RunSummary.CompactJsonOptions));
                _firstMetrics.TrySetResult();
            }
            else
            {
                _lines.Writer.TryWrite(line);
            }
        }

        _lines.Writer.TryComplete();
    }

    /// <summary>Has the host run a full compacting GC; returns its managed heap and resident bytes after it.</summary>
    public async Task<(long HeapBytes, long ResidentBytes)> CollectAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("gc");
        await _process.StandardInput.FlushAsync(cancellationToken);
        var answer = (await WaitForLineAsync(ServerHost.CollectedLine, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken)).Split(' ');
        return (long.Parse(answer[0], CultureInfo.InvariantCulture), long.Parse(answer[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The host's managed allocation so far and its GC counts (<see cref="ServerHost.AllocatedLine"/>).</summary>
    public async Task<GcReading> ReadAllocationAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("alloc");
        await _process.StandardInput.FlushAsync(cancellationToken);
        var answer = (await WaitForLineAsync(ServerHost.AllocatedLine, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken)).Split(' ');
        return new GcReading(
            long.Parse(answer[0], CultureInfo.InvariantCulture), int.Parse(answer[1], CultureInfo.InvariantCulture), int.Parse(answer[2], CultureInfo.InvariantCulture),
            int.Parse(answer[3], CultureInfo.InvariantCulture), double.Parse(answer[4], CultureInfo.InvariantCulture), CpuTime());
    }

    /// <summary>Waits for a line the host prints besides metrics (e.g. <see cref="PlayerPlacement.DoneLine"/>).</summary>
    public async Task<string> WaitForLineAsync(string prefix, CancellationToken cancellationToken)
    {
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..];
            }
        }

        throw new InvalidOperationException($"{Name} exited before printing '{prefix}'");
    }

    private async Task CopyStderrAsync(string path)
    {
        await using var log = new StreamWriter(path, append: true) { AutoFlush = true };
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            await log.WriteLineAsync(line);
        }
    }
}
