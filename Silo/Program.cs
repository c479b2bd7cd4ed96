using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.World;
using OrleansMmo.Hosting;
using OrleansMmo.Silo.Hosting;
using OrleansMmo.Silo.Operations;
using OrleansMmo.Silo.Storage;

namespace OrleansMmo.Silo;

/// <summary>The silo process: where every grain lives. Run with no configuration for a one-machine backend.</summary>
public static class Program
{
    public static Task Main(string[] args) => BuildApp(args).RunAsync();

    /// <param name="args">Command-line settings, e.g. <c>--Cluster:SiloPort=11112</c>.</param>
    /// <param name="configure">Last say over the builder; tests use it to capture logs.</param>
    public static WebApplication BuildApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings files sit beside the binaries, wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var configuration = builder.Configuration;

        builder.UseOrleans(silo => silo
            .UseMmoClustering(configuration)        // localhost, or Redis membership
            .UseMmoClusterTls(configuration)        // mutual TLS on silo and gateway ports when Cluster:Tls is set
            .AddMmoGrainStorage(configuration)      // ADO.NET: SQLite file, or PostgreSQL
            .AddMmoWriteBehind(configuration)       // [WriteBehindState]: dirty state written on a timer and at shutdown
            .AddMmoAccounts(configuration)          // password hashing, tickets, account rules
            .AddMmoWorld(configuration)             // game data, players, zones, chat
            .AddMmoGatewayRegistry(configuration)   // live gateways with their load, by heartbeat
            .AddMmoDashboard(configuration));      // the Orleans dashboard (served by UseMmoAdminEndpoint)
        builder.UseMmoAdminEndpoint();              // dashboard + health on a loopback port
        builder.AddMmoOperatorApi();                // /api: operator actions behind scoped keys (Admin:Key, Admin:Keys)
        builder.AddMmoConsole();                    // /console/: the operators' web page, live maps
        builder.AddMmoTelemetry("orleansmmo-silo",  // meters of storage, world and Orleans; /metrics, OTLP
            "OrleansMmo.Persistence", "OrleansMmo.World", "Microsoft.Orleans");
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapMmoAdmin();
        app.MapMmoOperatorApi();
        app.MapMmoConsole();
        app.MapMmoMetrics();
        return app;
    }
}
