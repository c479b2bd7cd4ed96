using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// Ready means: worth sending new clients here. Not while draining, and not while the cluster has not
/// answered a registry heartbeat for three intervals (the gateway could not log anyone in). A silo
/// failover shorter than that does not flap readiness.
/// </summary>
public sealed class GatewayReadiness(GatewayDirectory directory, IOptions<GatewayClusterOptions> options) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (directory.IsDraining)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("draining"));
        }

        var since = directory.SinceLastRefresh;
        if (since is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the cluster has not answered yet"));
        }

        return Task.FromResult(since.Value > options.Value.RegistryHeartbeatInterval * 3
            ? HealthCheckResult.Unhealthy($"the cluster has not answered for {since.Value.TotalSeconds:0.#} s")
            : HealthCheckResult.Healthy());
    }
}
