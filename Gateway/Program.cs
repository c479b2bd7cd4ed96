using OrleansMmo.Gateway.Hosting;
using OrleansMmo.Hosting;

namespace OrleansMmo.Gateway;

/// <summary>The gateway process: game clients' sockets in, grain calls out. Holds no game state.</summary>
public static class Program
{
    public static Task Main(string[] args) => BuildApp(args).RunAsync();

    /// <param name="args">Command-line settings, e.g. <c>--Gateway:Port=7001</c>.</param>
    /// <param name="configure">Last say over the builder; tests use it to capture logs.</param>
    public static WebApplication BuildApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings files sit beside the binaries, wherever the process is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.UseMmoCluster();            // one Orleans client for the process (mutual TLS with Cluster:Tls)
        builder.AddMmoGateway();            // game port, sessions and limits, opcode table, health
        builder.AddMmoGatewayRegistry();    // heartbeats to the gateway registry, drain, readiness
        builder.AddMmoGatewayMetrics();     // Meter "OrleansMmo.Gateway", /metrics, OTLP when configured
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMmoGatewayWeb();             // the game over WebSocket and the browser client, on the web port
        app.MapMmoGatewayHealth();          // /health/live, /health/ready on the admin port
        app.MapMmoGatewayAdmin();           // POST /admin/drain and friends, behind Admin:Key
        app.MapMmoMetrics();                // GET /metrics on the admin port
        return app;
    }
}
