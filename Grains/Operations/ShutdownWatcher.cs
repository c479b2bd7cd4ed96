using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Stops this silo gracefully (its grains write their state as they deactivate) once a scheduled cluster
/// shutdown reaches its last phase, after the gateways have closed every connection. Polls once a second.
/// </summary>
public sealed partial class ShutdownWatcher(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ShutdownWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if ((await grains.GetGrain<IShutdownGrain>(0).GetStatus()).Phase == ShutdownPhase.Stopping)
                    {
                        LogStopping(logger);
                        lifetime.StopApplication();
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Joining, or the shutdown's grain failing over: ask again next second.
                    LogPollFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping anyway.
        }
    }

    [LoggerMessage(EventId = LogEvents.ShutdownSiloStopping, Level = LogLevel.Warning, Message = "Cluster shutdown: stopping this silo")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ShutdownPollFailed, Level = LogLevel.Debug, Message = "Asking for the shutdown's phase failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
