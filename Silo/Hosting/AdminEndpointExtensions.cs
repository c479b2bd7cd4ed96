using System.Net;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Dashboard;

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
    /// <summary>
    /// The admin port is the only HTTP listener of the silo: the dashboard, health and metrics can never
    /// be reached through the silo-to-silo or gateway ports, which speak Orleans' own protocol.
    /// </summary>
    public static WebApplicationBuilder UseMmoAdminEndpoint(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloAdminOptions.Section).Get<SiloAdminOptions>() ?? new SiloAdminOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.Address), options.Port));
        builder.Services.AddHealthChecks()
            .AddCheck<SiloReadiness>("membership", tags: [SiloReadiness.Tag])
            .AddCheck<StorageHealthCheck>("storage", tags: [StorageHealthCheck.Tag]);
        builder.Services.AddHostedService<SiloReadyLog>();
        return builder;
    }

    /// <summary>
    /// Liveness answers while the process runs; readiness once the silo is an active cluster member; storage
    /// when game state can be written (<see cref="StorageHealthCheck"/>, on demand).
    /// </summary>
    public static WebApplication MapMmoAdmin(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(SiloReadiness.Tag) });
        app.MapHealthChecks("/health/storage", new HealthCheckOptions { Predicate = check => check.Tags.Contains(StorageHealthCheck.Tag) });
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}

/// <summary>Ready while this silo is Active in the membership table: joined, and not shutting down.</summary>
public sealed class SiloReadiness(ISiloStatusOracle membership) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentStatus;
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
