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

    /// <summary>
    /// Whether the dashboard asks for an operator key with the Admin role (HTTP Basic, any user name, the key as
    /// password; or the <c>X-Admin-Key</c> header). Null (the default): asked whenever <see cref="Address"/> is not
    /// loopback, as in containers, where anyone on the cluster network could otherwise read it.
    /// </summary>
    public bool? DashboardRequiresKey { get; set; }

    /// <summary>
    /// Whether the dashboard times every grain call for its per-method table (calls, time and errors per grain method).
    /// Its filter wraps every call the silo takes, even while nobody looks at the dashboard (then it only passes the
    /// call on, still as one more asynchronous step per call); the silo's own meters (<c>/metrics</c>) count calls without it.
    /// </summary>
    public bool DashboardProfilesGrainCalls { get; set; } = true;

    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8080;
}

public static class AdminEndpointExtensions
{
    /// <summary>The Orleans dashboard, with its grain call profiler only when <see cref="SiloAdminOptions.DashboardProfilesGrainCalls"/>.</summary>
    public static ISiloBuilder AddMmoDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddDashboard();
        var options = configuration.GetSection(SiloAdminOptions.Section).Get<SiloAdminOptions>() ?? new SiloAdminOptions();
        if (!options.DashboardProfilesGrainCalls)
        {
            // The dashboard registers its profiler as an incoming call filter of an internal type: found by name, and
            // a dashboard version that registers it otherwise stops the silo here rather than keep the cost unseen.
            var profiler = silo.Services.SingleOrDefault(d => d.ServiceType == typeof(IIncomingGrainCallFilter)
                && d.ImplementationType?.FullName == "Orleans.Dashboard.Implementation.GrainProfilerFilter")
                ?? throw new InvalidOperationException(
                    $"{SiloAdminOptions.Section}:{nameof(SiloAdminOptions.DashboardProfilesGrainCalls)} is false, but the dashboard's grain call profiler was not found to leave out");
            silo.Services.Remove(profiler);
        }

        return silo;
    }

    /// <summary>The key a dashboard request presents: the <c>X-Admin-Key</c> header, or the password of HTTP Basic.</summary>
    private static string? DashboardKey(HttpContext http)
    {
        if (http.Request.Headers[OrleansMmo.Silo.Operations.OperatorApiOptions.Header] is [{ Length: > 0 } header])
        {
            return header;
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

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
        var options = app.Configuration.GetSection(SiloAdminOptions.Section).Get<SiloAdminOptions>() ?? new SiloAdminOptions();
        if (options.DashboardRequiresKey ?? !IPAddress.Parse(options.Address).Equals(IPAddress.Loopback) && !IPAddress.Parse(options.Address).Equals(IPAddress.IPv6Loopback))
        {
            var keys = app.Services.GetRequiredService<OrleansMmo.Silo.Operations.OperatorKeys>();
            app.UseWhen(http => http.Request.Path.StartsWithSegments("/dashboard"), dashboard => dashboard.Use(async (http, next) =>
            {
                if (DashboardKey(http) is { } presented && keys.Find(presented) is { Role: OrleansMmo.Grains.Operations.AccountRole.Admin })
                {
                    await next(http);
                    return;
                }

                // A browser asks for the key once and sends it with every request of the dashboard's page.
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"OrleansMmo dashboard\", charset=\"UTF-8\"";
            }));
        }

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
