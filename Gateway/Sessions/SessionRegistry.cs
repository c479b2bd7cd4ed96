using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Every live connection of this gateway. Enforces the authentication and idle timeouts with one
/// sweep for all connections (not a timer each), and closes everyone on shutdown.
/// </summary>
public sealed partial class SessionRegistry(IOptions<GatewayOptions> options, ConnectionAdmission admission, IHostApplicationLifetime lifetime, ILogger<SessionRegistry> logger) : BackgroundService
{
    private readonly GatewayOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, ClientSession> _sessions = new();
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastConnectionId;
    private volatile bool _shuttingDown;
    private int _releasing;

    public int Count => _sessions.Count;

    public bool IsShuttingDown => _shuttingDown;

    /// <summary>Every open connection: a live view for sweeps (load reports, drain, broadcasts), not a snapshot.</summary>
    public IEnumerable<ClientSession> All => _sessions.Values;

    /// <summary>Connections playing a character right now: one sweep, for load reports and metrics.</summary>
    public int CountInWorld()
    {
        var count = 0;
        foreach (var session in _sessions.Values)
        {
            if (session.State == SessionState.InWorld)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Bytes queued toward every client of this gateway: the memory slow readers hold (one sweep, for metrics).</summary>
    public long QueuedBytes()
    {
        long bytes = 0;
        foreach (var session in _sessions.Values)
        {
            bytes += session.QueuedBytes;
        }

        return bytes;
    }

    public long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public void Add(ClientSession session) => _sessions[session.ConnectionId] = session;

    public void Remove(ClientSession session)
    {
        _sessions.TryRemove(session.ConnectionId, out _);
        if (_shuttingDown && _sessions.IsEmpty)
        {
            _allClosed.TrySetResult();
        }
    }

    public bool TryGet(long connectionId, out ClientSession session) => _sessions.TryGetValue(connectionId, out session!);

    /// <summary>A closed connection is telling its account it ended (its session record's end); counted until it has.</summary>
    public void BeginRelease() => Interlocked.Increment(ref _releasing);

    public void EndRelease() => Interlocked.Decrement(ref _releasing);

    /// <summary>Closes every connection with <paramref name="reason"/> (a cluster shutdown).</summary>
    public void CloseAll(DisconnectReason reason, string detail)
    {
        foreach (var session in _sessions.Values)
        {
            session.Close(reason, detail);
        }
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, until no connection is left and every closed one has told its
    /// account it ended. Checked every 50 ms: it runs once, at a cluster shutdown.
    /// </summary>
    public async Task<bool> WhenAllReleasedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_sessions.IsEmpty || Volatile.Read(ref _releasing) > 0)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stopping fires before any hosted service (Kestrel included) stops, so clients hear why
        // while their sockets still work.
        using var onStopping = lifetime.ApplicationStopping.Register(BeginShutdown);
        using var timer = new PeriodicTimer(_options.TimeoutSweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                SweepTimeouts();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void SweepTimeouts()
    {
        // The dictionary's own enumerator: Values would take every lock of the dictionary and copy all sessions into
        // a new list on each sweep, garbage that grows with the players online while they are the ones arriving.
        foreach (var (_, session) in _sessions)
        {
            if (session.IsClosing)
            {
                continue;
            }

            if (session.State == SessionState.Handshaking && session.UnauthenticatedFor > _options.HelloTimeout)
            {
                // Never said Hello: not a client of this protocol, or one holding a slot for nothing (charged to its address).
                admission.Penalize(session.RemoteAddress, _options.SilentConnectionPenalty);
                session.Close(DisconnectReason.AuthenticationTimeout, "no Hello in time");
            }
            else if ((session.State & (SessionState.Handshaking | SessionState.Connected)) != 0 && session.UnauthenticatedFor > _options.UnauthenticatedTimeout)
            {
                session.Close(DisconnectReason.AuthenticationTimeout, "not logged in in time");
            }
            else if (session.Idle > _options.IdleTimeout)
            {
                session.Close(DisconnectReason.IdleTimeout, "no frame received in time");
            }
        }
    }

    /// <summary>Stop: refuse new connections, tell every client why, and wait (bounded) for them to go.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        try
        {
            await _allClosed.Task.WaitAsync(_options.ShutdownTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogShutdownTimedOut(logger, _sessions.Count);
            foreach (var session in _sessions.Values)
            {
                session.Abort("shutdown timed out");
            }
        }

        await base.StopAsync(cancellationToken);
    }

    private void BeginShutdown()
    {
        if (_shuttingDown)
        {
            return;
        }

        _shuttingDown = true;
        LogShuttingDown(logger, _sessions.Count);
        foreach (var session in _sessions.Values)
        {
            session.Close(DisconnectReason.ServerShutdown, "gateway shutting down; resume on another gateway");
        }

        if (_sessions.IsEmpty)
        {
            _allClosed.TrySetResult();
        }
    }

    [LoggerMessage(EventId = LogEvents.GatewayShuttingDown, Level = LogLevel.Information, Message = "Gateway stopping: closing {Count} connections")]
    private static partial void LogShuttingDown(ILogger logger, int count);

    [LoggerMessage(EventId = LogEvents.GatewayShutdownTimedOut, Level = LogLevel.Warning, Message = "Gateway stopping: {Count} connections did not close in time; aborting them")]
    private static partial void LogShutdownTimedOut(ILogger logger, int count);
}
