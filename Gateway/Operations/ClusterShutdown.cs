using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Operations;

/// <summary>
/// This gateway's part in a scheduled cluster shutdown: while one counts down, Login and Register are
/// refused (SHUTTING_DOWN); at its time every connection is closed with SERVER_SHUTDOWN and the gateway
/// answers once each session's end is recorded (bounded); then it is told to stop (or sees the shutdown's
/// last phase on its heartbeat) and stops its host. Stopping is a separate step so the answer to the close
/// is sent before the gateway's cluster client goes away.
/// </summary>
public sealed partial class ClusterShutdown(SessionRegistry sessions, IHostApplicationLifetime lifetime, ILogger<ClusterShutdown> logger)
{
    /// <summary>How long the gateway waits for its closed connections to be recorded before it stops anyway.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(25);

    private long _pendingAtMs;
    private int _stopping;

    /// <summary>When a scheduled shutdown will close everything; null when none is scheduled.</summary>
    public DateTimeOffset? PendingAt => Interlocked.Read(ref _pendingAtMs) is var ms and not 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public bool RefusesLogins => PendingAt is not null;

    public void SetPending(DateTimeOffset? at) => Interlocked.Exchange(ref _pendingAtMs, at?.ToUnixTimeMilliseconds() ?? 0);

    public async Task ShutdownNowAsync()
    {
        SetPending(DateTimeOffset.UtcNow);
        LogClosing(logger, sessions.Count);
        sessions.CloseAll(DisconnectReason.ServerShutdown, "the server is shutting down");
        if (!await sessions.WhenAllReleasedAsync(ReleaseTimeout))
        {
            LogReleaseTimedOut(logger, sessions.Count);
        }
    }

    /// <summary>Stops this gateway's host (the shutdown's last phase); repeated calls are harmless.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            LogStopping(logger);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(EventId = LogEvents.ShutdownClosing, Level = LogLevel.Warning, Message = "Cluster shutdown: closing {Connections} connections, then stopping")]
    private static partial void LogClosing(ILogger logger, int connections);

    [LoggerMessage(EventId = LogEvents.ShutdownGatewayStopping, Level = LogLevel.Warning, Message = "Cluster shutdown: stopping this gateway")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ShutdownReleaseTimedOut, Level = LogLevel.Warning, Message = "Cluster shutdown: {Connections} connections were not recorded closed in time; stopping anyway")]
    private static partial void LogReleaseTimedOut(ILogger logger, int connections);
}
