using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Hosting;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// A real silo and a real gateway, built by the same Program.BuildApp the processes run, in this
/// process on free loopback ports, with SQLite storage in a temp directory. One per test collection.
/// </summary>
public class GameCluster : IAsyncLifetime
{
    private readonly List<WebApplication> _gateways = [];
    private readonly List<WebApplication> _extraSilos = [];
    private WebApplication? _silo;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", Guid.NewGuid().ToString("N"));

    public int SiloPort { get; } = LoopbackPorts.FreeTcp();

    public int OrleansGatewayPort { get; } = LoopbackPorts.FreeTcp();

    /// <summary>Game port of the first gateway.</summary>
    public int GamePort { get; private set; }

    /// <summary>Everything the silo and the gateways logged, Debug and up.</summary>
    public CapturedLogs Logs { get; } = new();

    public WebApplication Silo => _silo ?? throw new InvalidOperationException("not started");

    public WebApplication Gateway => _gateways[0];

    /// <summary>The first silo and any started by <see cref="StartExtraSiloAsync"/>.</summary>
    public IReadOnlyList<WebApplication> Silos => [Silo, .. _extraSilos];

    /// <summary>Settings layered over the defaults, for fixtures that test a limit.</summary>
    protected virtual IEnumerable<(string Key, string Value)> SiloSettings => [];

    protected virtual IEnumerable<(string Key, string Value)> GatewaySettings => [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        await StartSiloAsync();
        var gateway = await StartGatewayAsync();
        GamePort = GamePortOf(gateway);
        await AfterStartAsync();
    }

    /// <summary>Runs once the silo and the first gateway are up: fixtures start more here.</summary>
    protected virtual Task AfterStartAsync() => Task.CompletedTask;

    public async Task StartSiloAsync()
    {
        _silo = BuildSilo(SiloPort, OrleansGatewayPort, []);
        await _silo.StartAsync();
    }

    /// <summary>
    /// Another silo on ports of its own, with the same settings: it joins the first only with a shared
    /// membership (<c>ConnectionStrings:Redis</c> in <see cref="SiloSettings"/>).
    /// </summary>
    public async Task<WebApplication> StartExtraSiloAsync(IEnumerable<(string Key, string Value)>? extra = null)
    {
        var silo = BuildSilo(LoopbackPorts.FreeTcp(), LoopbackPorts.FreeTcp(), extra ?? []);
        await silo.StartAsync();
        _extraSilos.Add(silo);
        return silo;
    }

    private WebApplication BuildSilo(int siloPort, int gatewayPort, IEnumerable<(string Key, string Value)> extra) =>
        OrleansMmo.Silo.Program.BuildApp(Args(
        [
            ("Cluster:SiloPort", siloPort.ToString()),
            ("Cluster:GatewayPort", gatewayPort.ToString()),
            ("Admin:Port", "0"),
            ("Storage:SqlitePath", Path.Combine(DataDirectory, "game.db")),
            // The minimum the options allow: the rules are tested, not the KDF's speed.
            ("Accounts:PasswordHashing:Iterations", "100000"),
            // Nor the machine's: on a loaded one (CI shares its cores) a burst of registrations must wait
            // for the hasher, not turn into BUSY answers after the default 5 s.
            ("Accounts:PasswordHashing:QueueTimeout", "00:01:00"),
            ("Tickets:Lifetime", "00:00:03"),
            // Wide enough that WORLD lines said together by several test clients meet in one group even on a loaded
            // machine (ChatTests); every other WORLD line of the suite waits it too.
            ("World:WorldChatBatchWindow", "00:00:00.300"),
            // Tests/GameData: fast movement and a portal next to the spawn point.
            ("World:GameDataPath", Path.Combine(AppContext.BaseDirectory, "TestGameData")),
            .. SiloSettings,
            .. extra,
        ]), CaptureLogs);

    public async Task StopSiloAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
            _silo = null;
        }
    }

    /// <summary>Starts another gateway process-in-a-host on the same cluster.</summary>
    public async Task<WebApplication> StartGatewayAsync(IEnumerable<(string Key, string Value)>? extra = null)
    {
        var gateway = OrleansMmo.Gateway.Program.BuildApp(Args(
        [
            ("Cluster:GatewayPort", OrleansGatewayPort.ToString()),
            ("Gateway:ListenAddress", "127.0.0.1"),
            ("Gateway:Port", "0"),
            ("Gateway:AdminPort", "0"),
            ("Gateway:WebSocket:Port", "0"),
            .. GatewaySettings,
            .. extra ?? [],
        ]), CaptureLogs);
        await gateway.StartAsync();
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Stops one gateway cleanly (it leaves the registry) and forgets it.</summary>
    public async Task StopGatewayAsync(WebApplication gateway)
    {
        if (_gateways.Remove(gateway))
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }

    /// <summary>Port of a gateway's (or the silo's) HTTP admin endpoint: health, metrics, admin actions.</summary>
    public static int AdminPortOf(WebApplication app) =>
        app.Services.GetService<GatewayEndpoints>()?.Admin?.IPEndPoint?.Port ?? new Uri(app.Urls.First()).Port;

    /// <summary>Stops every gateway and the silo, then starts both again on the same data directory and ports.</summary>
    public async Task RestartAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }

        _gateways.Clear();
        await StopSiloAsync();
        await StartSiloAsync();
        GamePort = GamePortOf(await StartGatewayAsync());
    }

    public static int GamePortOf(WebApplication gateway) => gateway.Services.GetRequiredService<GatewayEndpoints>().GamePort;

    /// <summary>A gateway's WebSocket endpoint, <c>ws://127.0.0.1:PORT/ws</c> (the first gateway's by default).</summary>
    public Uri WebSocketUri(WebApplication? gateway = null) =>
        new($"ws://127.0.0.1:{(gateway ?? Gateway).Services.GetRequiredService<GatewayEndpoints>().WebPort}/ws");

    /// <summary>A client over WebSocket to a gateway (the first by default), handshake done.</summary>
    public Task<MmoClient> ConnectWebSocketAsync(MmoClientOptions? options = null, WebApplication? gateway = null) =>
        MmoClient.ConnectAsync(WebSocketUri(gateway), options ?? new MmoClientOptions { ClientName = "tests" });

    public Task<MmoClient> ConnectAsync(MmoClientOptions? options = null, int? port = null) =>
        MmoClient.ConnectAsync("127.0.0.1", port ?? GamePort, options ?? new MmoClientOptions { ClientName = "tests" });

    /// <summary>A connected, registered and logged-in client with a fresh account.</summary>
    public async Task<(MmoClient Client, string Username, string Password)> LoggedInClientAsync(string prefix = "u", MmoClientOptions? options = null)
    {
        var username = UniqueName(prefix);
        const string password = "correct horse battery";
        var client = await ConnectAsync(options);
        await client.RegisterAsync(username, password);
        await client.LoginAsync(username, password);
        return (client, username, password);
    }

    public static string UniqueName(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..12]}";

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }

        foreach (var silo in _extraSilos)
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }

        await StopSiloAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finishing background thread; the temp dir is cleaned by the OS.
        }
    }

    private void CaptureLogs(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(Logs);
        builder.Logging.AddFilter<CapturedLogs>(null, LogLevel.Debug);
    }

    private static string[] Args(IEnumerable<(string Key, string Value)> settings) =>
    [
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Orleans=Error",
        "--Logging:LogLevel:OrleansMmo=Warning",
        .. settings.Select(s => $"--{s.Key}={s.Value}"),
    ];
}
