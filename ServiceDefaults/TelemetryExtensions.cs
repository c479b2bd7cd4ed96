using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OrleansMmo.Hosting;

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
    /// <summary>
    /// Exports <paramref name="meters"/> (and the runtime's) the OpenTelemetry way: scraped from
    /// <c>/metrics</c> and, with <c>Telemetry:OtlpEndpoint</c>, pushed to a collector with the logs.
    /// Console logs are JSON with <c>Logging:Console:FormatterName=json</c>.
    /// </summary>
    public static WebApplicationBuilder AddMmoTelemetry(this WebApplicationBuilder builder, string serviceName, params string[] meters)
    {
        var options = Options(builder.Configuration);
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. meters, "System.Runtime"]);
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

    /// <summary><c>GET /metrics</c>, on whatever HTTP endpoint the process has: its admin port.</summary>
    public static WebApplication MapMmoMetrics(this WebApplication app)
    {
        if (Options(app.Configuration).Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }

    private static TelemetryOptions Options(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
}
