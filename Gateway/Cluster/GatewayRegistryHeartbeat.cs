using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// Reports this gateway to the registry every heartbeat interval and caches the live list it gets
/// back. Failures (a silo failing over, the cluster still starting) are logged and retried on the next
/// beat: the registry grain reactivates empty elsewhere and the next heartbeat refills it.
/// </summary>
public sealed partial class GatewayRegistryHeartbeat(
    IGrainFactory grains,
    GatewayDirectory directory,
    Operations.AddressBans bans,
    WorldList worlds,
    Operations.ClusterShutdown shutdown,
    IOptions<GatewayClusterOptions> options,
    ILogger<GatewayRegistryHeartbeat> logger) : BackgroundService
{
    private static readonly TimeSpan UnregisterTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _beat = new(1, 1);
    private bool _failing;

    private IGatewayRegistryGrain Registry => grains.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key);

    /// <summary>Reports now (after a drain, so the registry stops advertising this gateway at once).</summary>
    public async Task BeatAsync(CancellationToken cancellationToken = default)
    {
        await _beat.WaitAsync(cancellationToken);
        try
        {
            // Bounded by the interval: a call lost with a crashing silo must not hold up the next beats
            // (Orleans would wait 30 s for it), or readiness would fail across a short failover.
            var timeout = options.Value.RegistryHeartbeatInterval;
            await Registry.Heartbeat(directory.CurrentRegistration()).WaitAsync(timeout, cancellationToken);
            directory.Update(await Registry.GetLive().WaitAsync(timeout, cancellationToken));
            await RefreshBansAsync(timeout, cancellationToken);
            await RefreshWorldsAsync(timeout, cancellationToken);
            await RefreshShutdownAsync(timeout, cancellationToken);
            if (_failing)
            {
                _failing = false;
                LogRecovered(logger, directory.GatewayId);
            }
        }
        finally
        {
            _beat.Release();
        }
    }

    /// <summary>
    /// Bans are pushed at every change; fetching them here covers a push this gateway missed. Apart from the
    /// heartbeat: the ban list lives in the database, and a database outage must not make the gateway unready.
    /// </summary>
    private async Task RefreshBansAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            bans.Update(await grains.GetGrain<Grains.Operations.IAddressBanGrain>(0).GetAll().WaitAsync(timeout, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBansFailed(logger, ex);
        }
    }

    /// <summary>The world list for ListWorlds; a failure leaves the copy, which shows worlds offline once it is stale.</summary>
    private async Task RefreshWorldsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            worlds.Update(await grains.GetGrain<Grains.World.IWorldDirectoryGrain>(0).GetWorlds().WaitAsync(timeout, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWorldsFailed(logger, ex);
        }
    }

    /// <summary>A scheduled shutdown is pushed when it is scheduled; this covers a gateway that missed the push or started since.</summary>
    private async Task RefreshShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var status = await grains.GetGrain<Grains.Operations.IShutdownGrain>(0).GetStatus().WaitAsync(timeout, cancellationToken);
            shutdown.SetPending(status.Phase == Grains.Operations.ShutdownPhase.None ? null : status.At);
            if (status.Phase == Grains.Operations.ShutdownPhase.Stopping)
            {
                // The one-way Stop did not arrive (or this gateway started late): the cluster is stopping.
                shutdown.Stop();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogShutdownFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RegistryHeartbeatInterval);
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Once per failure streak: a failover must not flood the log every two seconds.
                if (!_failing)
                {
                    _failing = true;
                    LogFailed(logger, ex, directory.GatewayId);
                }
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    /// <summary>Leaves the registry on a clean stop, so clients are not sent here for another expiry period.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Registry.Unregister(directory.GatewayId).WaitAsync(UnregisterTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnregisterFailed(logger, ex, directory.GatewayId);
        }
    }

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override void Dispose()
    {
        _beat.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = LogEvents.RegistryShutdownFailed, Level = LogLevel.Debug, Message = "Fetching the shutdown schedule failed; keeping what is known")]
    private static partial void LogShutdownFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.RegistryWorldsFailed, Level = LogLevel.Debug, Message = "Fetching the world list failed; keeping the copy held")]
    private static partial void LogWorldsFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.RegistryBansFailed, Level = LogLevel.Debug, Message = "Fetching the address bans failed; keeping the copy held")]
    private static partial void LogBansFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.RegistryHeartbeatFailed, Level = LogLevel.Warning, Message = "Gateway {GatewayId}: registry heartbeat failed; retrying every interval")]
    private static partial void LogFailed(ILogger logger, Exception exception, string gatewayId);

    [LoggerMessage(EventId = LogEvents.RegistryHeartbeatRecovered, Level = LogLevel.Information, Message = "Gateway {GatewayId}: registry heartbeat works again")]
    private static partial void LogRecovered(ILogger logger, string gatewayId);

    [LoggerMessage(EventId = LogEvents.RegistryUnregisterFailed, Level = LogLevel.Warning, Message = "Gateway {GatewayId}: could not unregister; the registry drops it after its expiry")]
    private static partial void LogUnregisterFailed(ILogger logger, Exception exception, string gatewayId);
}
