using System.Net.Http.Json;
using System.Text.Json;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

/// <summary>
/// The production topology as real processes, started by <c>cluster.sh</c>: Redis, PostgreSQL, two silos,
/// two gateways and haproxy on loopback. Tests play through haproxy and kill processes with SIGKILL.
/// One per collection: starting it costs tens of seconds.
/// </summary>
public sealed class NativeCluster : IAsyncLifetime
{
    /// <summary>Holds pids, logs and ports.env: a directory inside test.sh's own, so test.sh can always stop what is left.</summary>
    public string RunDirectory { get; } = TestServers.Require(TestServers.ClusterDirectoryVariable);

    /// <summary>
    /// MMO_CLUSTER_BASE_PORT as given (a machine shared by several runs gives each its own), else away from the
    /// default of a developer's own ./cluster.sh; cluster.sh skips ports in use either way. Below the kernel's
    /// ephemeral range (32768+), where the suite's own client sockets could take a port between cluster.sh's
    /// check and its bind.
    /// </summary>
    private static readonly string BasePort = Environment.GetEnvironmentVariable("MMO_CLUSTER_BASE_PORT") is { Length: > 0 } given
        ? given
        : (22000 + (Random.Shared.Next(0, 200) * 20)).ToString();

    public IReadOnlyDictionary<string, string> Settings { get; private set; } = new Dictionary<string, string>();

    /// <summary>Where game clients connect: haproxy.</summary>
    public int LoadBalancerPort => Port("LB_PORT");

    /// <summary>The dashboard's view right after start, for the test that both silos show.</summary>
    public JsonElement DashboardAtStart { get; private set; }

    public int Port(string name) => int.Parse(Settings[name]);

    public async Task InitializeAsync()
    {
        // The suite runs on a Release build (test.sh), which is what cluster.sh starts; any other build of
        // the tests lets cluster.sh build Release itself.
        var releaseBuild = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        var start = await RunScriptAsync(TimeSpan.FromMinutes(releaseBuild ? 3 : 8), releaseBuild ? ["start", "--no-build"] : ["start"]);
        if (start.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh start failed: {start}\n{LogTails()}");
        }

        Settings = ReadSettings(Path.Combine(RunDirectory, "ports.env"));

        // The dashboard of either silo shows both once membership has settled.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Await.Until(async () =>
        {
            DashboardAtStart = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{Port("SILO2_ADMIN_PORT")}/dashboard/DashboardCounters");
            return DashboardAtStart.GetProperty("hosts").EnumerateArray().Count(h => h.GetProperty("status").GetString() == "Active") == 2;
        }, "the dashboard to show both silos active", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
    }

    public Task DisposeAsync() => RunScriptAsync(TimeSpan.FromMinutes(2), "stop");

    /// <summary>SIGKILL, through cluster.sh, of silo1, silo2, gateway1 or gateway2.</summary>
    public async Task KillAsync(string process)
    {
        var kill = await RunScriptAsync(TimeSpan.FromSeconds(30), "kill", process);
        Assert.True(kill.ExitCode == 0, $"cluster.sh kill {process} failed: {kill}");
    }

    /// <param name="from">The client's own address (127.0.0.x), as haproxy sees it; 127.0.0.1 when null.</param>
    public Task<MmoClient> ConnectThroughLoadBalancerAsync(System.Net.IPAddress? from = null) =>
        // World updates are not read by these tests: drop the oldest rather than stop reading the socket.
        MmoClient.ConnectAsync("127.0.0.1", LoadBalancerPort, new MmoClientOptions { ClientName = "cluster-tests", LocalAddress = from, PushFullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest });

    public HttpClient AdminClient(string portName)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port(portName)}"), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("X-Admin-Key", Settings["ADMIN_KEY"]);
        return http;
    }

    /// <summary>The last lines of every process's log, for a failure message.</summary>
    public string LogTails()
    {
        var logs = Path.Combine(RunDirectory, "logs");
        var files = (Directory.Exists(logs) ? Directory.GetFiles(logs).Order() : Enumerable.Empty<string>())
            .Concat([Path.Combine(RunDirectory, "redis", "redis.log"), Path.Combine(RunDirectory, "pg", "server.log")])
            .Where(File.Exists);
        return string.Join('\n', files.Select(file => $"--- {Path.GetRelativePath(RunDirectory, file)}\n{string.Join('\n', File.ReadLines(file).TakeLast(15))}"));
    }

    private Task<ProgramRun.Result> RunScriptAsync(TimeSpan timeout, params string[] arguments) =>
        ProgramRun.RunAsync("bash", [Path.Combine(Repository.Root, "cluster.sh"), .. arguments], timeout, environment: new Dictionary<string, string?>
        {
            ["MMO_CLUSTER_DIR"] = RunDirectory,
            ["MMO_CLUSTER_BASE_PORT"] = BasePort,
        });

    private static Dictionary<string, string> ReadSettings(string path)
    {
        var settings = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                // Written with printf %q: undo its backslash escapes; an empty value is written ''.
                var value = line[(equals + 1)..];
                settings[line[..equals]] = value == "''" ? "" : System.Text.RegularExpressions.Regex.Replace(value, @"\\(.)", "$1");
            }
        }

        return settings;
    }
}

[CollectionDefinition(Name)]
public sealed class NativeClusterCollection : ICollectionFixture<NativeCluster>
{
    public const string Name = "native cluster";
}
