using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansMmo.Gateway.Metrics;

namespace OrleansMmo.Gateway.Hosting;

/// <summary>Metrics and log export. Section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Serve <c>/metrics</c> (Prometheus text format) on the admin port.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>When set (e.g. <c>http://collector:4317</c>), metrics and logs are also pushed there over OTLP.</summary>
    public string? OtlpEndpoint { get; set; }
}

public static class TelemetryExtensions
{
    /// <summary>Meters exported by the gateway: its own, Kestrel's connection metrics and the runtime's.</summary>
    public static readonly string[] Meters = [GatewayMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>
    /// The gateway's instruments, exported the OpenTelemetry way: scraped from <c>/metrics</c> and,
    /// with <c>Telemetry:OtlpEndpoint</c>, pushed to a collector. Logs go to the console, as JSON
    /// with <c>Logging:Console:FormatterName=json</c>.
    /// </summary>
    public static WebApplicationBuilder AddMmoGatewayTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddSingleton<GatewayMetrics>();
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleansmmo-gateway"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                if (options.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        if (otlp is not null)
        {
            builder.Logging.AddOpenTelemetry(logs => logs.AddOtlpExporter(o => o.Endpoint = otlp));
        }

        return builder;
    }

    /// <summary><c>GET /metrics</c> on the admin port (the game port speaks no HTTP).</summary>
    public static WebApplication MapMmoGatewayMetrics(this WebApplication app)
    {
        var options = app.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }
}
