using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.SdkTests;

/// <summary>A silo and a gateway as real processes, on free loopback ports, with SQLite in a temp directory.</summary>
public sealed class ServersFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "orleansmmo-sdktests", Guid.NewGuid().ToString("N"));
    private ServerProcess? _silo;
    private ServerProcess? _gateway;

    public int GamePort { get; } = LoopbackPorts.FreeTcp();

    public int WebSocketPort { get; } = LoopbackPorts.FreeTcp();

    /// <summary>Generous: on a loaded 2-core machine a silo has been seen to take over a minute to start.</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Short, so that the heartbeat test sees an idle connection closed within seconds.</summary>
    public static TimeSpan IdleTimeout { get; } = TimeSpan.FromSeconds(3);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        var siloGatewayPort = LoopbackPorts.FreeTcp();
        var siloAdminPort = LoopbackPorts.FreeTcp();
        _silo = await ServerProcess.StartAsync("silo", ServerProcess.SiloAssembly, siloAdminPort, new Dictionary<string, string>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.FreeTcp().ToString(),
            ["Cluster:GatewayPort"] = siloGatewayPort.ToString(),
            ["Cluster:ClusterId"] = "sdk-tests",
            ["Cluster:ServiceId"] = "sdk-tests",
            ["Admin:Port"] = siloAdminPort.ToString(),
            ["Storage:SqlitePath"] = Path.Combine(_dataDirectory, "game.db"),
            ["ConnectionStrings:Redis"] = "",
            ["ConnectionStrings:Postgres"] = "",
            // The minimum the options allow: the SDK is tested, not the KDF's speed.
            ["Accounts:PasswordHashing:Iterations"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
        }, ReadyTimeout);

        var gatewayAdminPort = LoopbackPorts.FreeTcp();
        _gateway = await ServerProcess.StartAsync("gateway", ServerProcess.GatewayAssembly, gatewayAdminPort, new Dictionary<string, string>
        {
            ["Cluster:GatewayPort"] = siloGatewayPort.ToString(),
            ["Cluster:ClusterId"] = "sdk-tests",
            ["Cluster:ServiceId"] = "sdk-tests",
            ["ConnectionStrings:Redis"] = "",
            ["Gateway:ListenAddress"] = "127.0.0.1",
            ["Gateway:Port"] = GamePort.ToString(),
            ["Gateway:AdminPort"] = gatewayAdminPort.ToString(),
            ["Gateway:WebSocket:Port"] = WebSocketPort.ToString(),
            ["Gateway:IdleTimeout"] = IdleTimeout.ToString(),
            ["Gateway:HeartbeatInterval"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
        }, ReadyTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file the silo's last moments still held; the temp directory is the OS's to clean.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<ServersFixture>
{
    public const string Name = "servers";
}
