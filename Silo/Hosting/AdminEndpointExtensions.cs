using Orleans.Dashboard;
using System.Net;

namespace OrleansMmo.Silo.Hosting;

/// <summary>The silo's HTTP side: dashboard and health, on an admin port bound to loopback unless configured otherwise. Section <c>Admin</c>.</summary>
public sealed class SiloAdminOptions
{
    public const string Section = "Admin";

    public string Address { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8080;
}

public static class AdminEndpointExtensions
{
    public static WebApplicationBuilder UseMmoAdminEndpoint(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloAdminOptions.Section).Get<SiloAdminOptions>() ?? new SiloAdminOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.Address), options.Port));
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Liveness answers while the process runs; readiness once the silo has joined the cluster.</summary>
    public static WebApplication MapMmoAdmin(this WebApplication app)
    {
        app.MapHealthChecks("/health/live");
        app.MapHealthChecks("/health/ready");
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}
