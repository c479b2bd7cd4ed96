using System.Diagnostics;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// Notices when this gateway loses a silo (its Orleans client's connection to that silo's gateway port
/// drops: a silo crashed or left). Calls in flight to a crashed silo, or sent to it before the cluster
/// declared it dead, are never answered; knowing a silo was just lost lets the request router give up on
/// them after a short wait instead of Orleans' 30 s response timeout.
/// </summary>
public sealed partial class ClusterFailoverMonitor(ILogger<ClusterFailoverMonitor> logger, IHostApplicationLifetime lifetime) : IClusterConnectionStatusObserver
{
    private long _lastLossTimestamp;

    /// <summary>Raised at each silo loss (on the Orleans client's thread that noticed it): the request router ends the
    /// wait of every call running now.</summary>
    public event Action? SiloLost;

    /// <summary>True if a silo was lost within <paramref name="window"/> before now.</summary>
    public bool LostWithin(TimeSpan window)
    {
        var last = Interlocked.Read(ref _lastLossTimestamp);
        return last != 0 && Stopwatch.GetElapsedTime(last) <= window;
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            if (Stopping())
            {
                LogClusterLeft(logger);
            }
            else
            {
                LogSiloLost(logger, previousNumberOfGateways, currentNumberOfGateways);
            }

            SignalLoss();
        }
    }

    public void NotifyClusterConnectionLost()
    {
        if (Stopping())
        {
            LogClusterLeft(logger);
        }
        else
        {
            LogClusterLost(logger);
        }

        SignalLoss();
    }

    // A gateway that is stopping closes its own connections to the silos: that is no fault, and a warning would send
    // an operator looking for a silo that is fine.
    private bool Stopping() => lifetime.ApplicationStopping.IsCancellationRequested;

    private void SignalLoss()
    {
        Interlocked.Exchange(ref _lastLossTimestamp, Stopwatch.GetTimestamp());
        SiloLost?.Invoke();
    }

    [LoggerMessage(EventId = LogEvents.ClusterSiloLost, Level = LogLevel.Warning, Message = "Lost a silo: connected to {Current} silos, was {Previous}; requests caught in the failover are retried")]
    private static partial void LogSiloLost(ILogger logger, int previous, int current);

    [LoggerMessage(EventId = LogEvents.ClusterLost, Level = LogLevel.Error, Message = "Lost every silo: requests fail until the cluster is reachable again")]
    private static partial void LogClusterLost(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ClusterLeftWhileStopping, Level = LogLevel.Debug, Message = "Disconnected from the cluster while stopping")]
    private static partial void LogClusterLeft(ILogger logger);
}

/// <summary>A grain call given up on: it was outstanding while a silo was lost, and went unanswered.</summary>
public sealed class CallLostInFailoverException(TimeSpan waited)
    : Exception($"no answer within {waited.TotalSeconds:0.#} s while a silo was lost; presumed lost with it");
