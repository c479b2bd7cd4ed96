using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OrleansMmo.Silo.Hosting;

/// <summary>Metrics and log export, as on the gateway. Section <c>Telemetry</c>.</summary>
public sealed class SiloTelemetryOptions
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
    /// Meters exported by a silo: write-behind storage and the world (filled by their grains), Orleans'
    /// own (activations, messaging, membership) and the runtime's.
    /// </summary>
    public static readonly string[] Meters = ["OrleansMmo.Persistence", "OrleansMmo.World", "Microsoft.Orleans", "System.Runtime"];

    public static WebApplicationBuilder AddMmoSiloTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloTelemetryOptions.Section).Get<SiloTelemetryOptions>() ?? new SiloTelemetryOptions();
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleansmmo-silo"))
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

    /// <summary><c>GET /metrics</c> on the admin port.</summary>
    public static WebApplication MapMmoSiloMetrics(this WebApplication app)
    {
        var options = app.Configuration.GetSection(SiloTelemetryOptions.Section).Get<SiloTelemetryOptions>() ?? new SiloTelemetryOptions();
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }
}
