using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansMmo.Grains.Diagnostics;
using OrleansMmo.Grains.Persistence;

namespace OrleansMmo.Silo.Hosting;

/// <summary>
/// <c>GET /health/storage</c> on the silo's admin port: moves this silo's storage canary and flushes it
/// through the same write-behind storage as game state, then reads its report. Healthy when the change is
/// stored within <see cref="Timeout"/>. It answers "can the cluster write game state?" after a deployment,
/// a restore or a database failover. Each call writes one row, so it is not part of the readiness check
/// that load balancers poll.
/// </summary>
public sealed class StorageHealthCheck(IGrainFactory grains, ILocalSiloDetails silo) : IHealthCheck
{
    public const string Tag = "storage";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // One canary per silo endpoint: the same row across restarts, and checks of two silos never contend.
        var canary = grains.GetGrain<IStorageCanaryGrain>($"health:{silo.SiloAddress.Endpoint}");
        try
        {
            var report = await WriteAndReportAsync(canary).WaitAsync(Timeout, cancellationToken);
            return report is { RecordExists: true, IsDirty: false }
                ? HealthCheckResult.Healthy("game state written and read back")
                : HealthCheckResult.Unhealthy("the canary's change is not stored");
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"game storage did not answer within {Timeout.TotalSeconds:0} s");
        }
        catch (StateNotWrittenException ex)
        {
            return HealthCheckResult.Unhealthy("game state could not be written", ex);
        }
    }

    private static async Task<StorageCanaryReport> WriteAndReportAsync(IStorageCanaryGrain canary)
    {
        await canary.Move(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await canary.Flush();
        return await canary.Report();
    }
}
