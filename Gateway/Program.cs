using OrleansMmo.Gateway.Hosting;

namespace OrleansMmo.Gateway;

/// <summary>The gateway process: game clients' sockets in, grain calls out. Holds no game state.</summary>
public static class Program
{
    public static Task Main(string[] args) => BuildApp(args).RunAsync();

    public static WebApplication BuildApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseMmoCluster();    // one Orleans client for the process
        builder.AddMmoGateway();    // game port, sessions and limits, opcode table, health

        var app = builder.Build();
        app.MapMmoGatewayHealth();
        return app;
    }
}
