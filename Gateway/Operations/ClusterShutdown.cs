using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Operations;

/// <summary>
/// This gateway's part in a scheduled cluster shutdown: while one counts down, Login and Register are
/// refused (SHUTTING_DOWN); at its time every connection is closed with SERVER_SHUTDOWN, the gateway waits
/// until each session's end is recorded (bounded), then stops itself.
/// </summary>
public sealed partial class ClusterShutdown(SessionRegistry sessions, IHostApplicationLifetime lifetime, ILogger<ClusterShutdown> logger)
{
    /// <summary>How long the gateway waits for its closed connections to be recorded before it stops anyway.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(25);

    private long _pendingAtMs;

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

        lifetime.StopApplication();
    }

    [LoggerMessage(EventId = LogEvents.ShutdownClosing, Level = LogLevel.Warning, Message = "Cluster shutdown: closing {Connections} connections, then stopping")]
    private static partial void LogClosing(ILogger logger, int connections);

    [LoggerMessage(EventId = LogEvents.ShutdownReleaseTimedOut, Level = LogLevel.Warning, Message = "Cluster shutdown: {Connections} connections were not recorded closed in time; stopping anyway")]
    private static partial void LogReleaseTimedOut(ILogger logger, int connections);
}
