using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// The life of one client connection, whatever carries it: refused while stopping or draining, registered
/// for timeouts and shutdown, its frames read and routed, then closed, flushed and released. Each carrier
/// brings only its read loop (bytes to frames), which hands whole frames to <see cref="DispatchFrames"/>.
/// </summary>
public sealed partial class SessionHost(
    SessionRegistry sessions,
    RequestRouter router,
    IGrainFactory grains,
    GatewayDrain drain,
    ConnectionAdmission admission,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<SessionHost> logger)
{
    private readonly GatewayOptions _options = options.Value;

    /// <summary>
    /// Runs a connection until its read loop ends. <paramref name="readLoop"/> must return soon after the
    /// transport's <see cref="ISessionTransport.StopReading"/>; <paramref name="closeRequested"/> closes the
    /// session as on shutdown (the server stopping the connection on its own).
    /// </summary>
    public async Task RunAsync(ISessionTransport transport, Func<ClientSession, Task> readLoop, CancellationToken closeRequested)
    {
        var session = new ClientSession(sessions.NextConnectionId(), transport, _options, logger, metrics);
        metrics.ConnectionOpened();
        var writer = session.RunWriterAsync();
        if (sessions.IsShuttingDown)
        {
            session.Close(DisconnectReason.ServerShutdown, "gateway shutting down");
            await FinishAsync(session, writer);
            return;
        }

        if (drain.IsDraining)
        {
            drain.Redirect(session);
            await FinishAsync(session, writer);
            return;
        }

        if (admission.TryAdmit(session.RemoteAddress, out var releaseAdmission) is { } refused)
        {
            ConnectionAdmission.LogRefused(logger, session.ConnectionId, session.RemoteAddress, refused);
            session.Close(DisconnectReason.TooManyConnections, refused.Why);
            await FinishAsync(session, writer);
            return;
        }

        sessions.Add(session);
        LogConnected(logger, session.ConnectionId, transport.Kind, session.RemoteAddress);
        using var onCloseRequested = closeRequested.Register(() => session.Close(DisconnectReason.ServerShutdown, "gateway shutting down"));
        try
        {
            await readLoop(session);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            // The peer went away mid-read.
        }
        catch (Exception ex)
        {
            LogReadLoopFailed(logger, ex, session.ConnectionId);
        }
        finally
        {
            session.Close(DisconnectReason.Unspecified, notify: false);
            await FinishAsync(session, writer);
            // Counted from before the connection leaves the registry until its account heard it ended,
            // so a cluster shutdown waits for every session's end to be recorded.
            sessions.BeginRelease();
            try
            {
                sessions.Remove(session);
                releaseAdmission();
                await RequestsFinishedAsync(session);
                router.Release(session);
                await ReleaseAccountSessionAsync(session);
            }
            finally
            {
                sessions.EndRelease();
            }

            LogDisconnected(logger, session.ConnectionId, session.CloseReason);
        }
    }

    /// <summary>
    /// The read loop of a byte-stream carrier (TCP, an in-process pipe), the System.IO.Pipelines way: dispatch every
    /// whole frame, then check for the end, always advance.
    /// </summary>
    public async Task ReadFramesAsync(ClientSession session, PipeReader input)
    {
        while (!session.IsClosing)
        {
            var result = await input.ReadAsync();
            if (result.IsCanceled)
            {
                break;
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            try
            {
                if (DispatchFrames(session, buffer) is not { } rest)
                {
                    return;
                }

                consumed = rest;
                if (result.IsCompleted)
                {
                    var left = buffer.Slice(rest).Length;
                    if (left > 0)
                    {
                        ReportTruncated(session, left);
                    }

                    return;
                }
            }
            finally
            {
                input.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    /// <summary>
    /// Routes every whole frame at the front of <paramref name="buffer"/>, in order (the router queues the
    /// connection's requests so they take effect in that order). Returns where the unread rest begins (an
    /// incomplete frame, or nothing), or null when the connection must close: a bad header, already answered
    /// here, or the session closing.
    /// </summary>
    public SequencePosition? DispatchFrames(ClientSession session, ReadOnlySequence<byte> buffer)
    {
        var maxPayload = _options.MaxPayloadBytes;
        while (!session.IsClosing)
        {
            var status = FrameCodec.TryReadFrame(ref buffer, maxPayload, out var frame);
            if (status == FrameReadStatus.Incomplete)
            {
                return buffer.Start;
            }

            if (status != FrameReadStatus.Complete)
            {
                // The stream cannot be resynchronised after a bad header: say why, then close.
                Reject(session, status == FrameReadStatus.TooLarge ? ErrorCode.FrameTooLarge : ErrorCode.MalformedFrame);
                return null;
            }

            router.Dispatch(session, frame);
        }

        return null;
    }

    /// <summary>A violation of the framing itself (a bad header; on WebSocket also a text or oversized message):
    /// the error with request id 0, since nothing of the frame can be trusted, then Disconnect and close.</summary>
    public void Reject(ClientSession session, ErrorCode code)
    {
        LogBadFrame(logger, session.ConnectionId, code);
        session.SendError(0, code);
        session.Close(DisconnectReason.ProtocolViolation, ErrorDescriptions.Describe(code));
    }

    /// <summary>A read loop whose carrier ended inside a frame.</summary>
    public void ReportTruncated(ClientSession session, long bytes) => LogTruncated(logger, session.ConnectionId, bytes);

    private async Task FinishAsync(ClientSession session, Task writer)
    {
        try
        {
            await writer.WaitAsync(_options.CloseFlushTimeout);
        }
        catch (TimeoutException)
        {
            session.Abort("close flush timed out");
        }
    }

    /// <summary>
    /// Waits for the request that was running when the connection closed (the ones not started are
    /// dropped). Only then is the account told the connection is gone, so an EnterWorld or a Move
    /// still under way cannot put the character back in the world after it was taken out.
    /// Bounded: a grain call that hangs must not hold the connection's slot forever.
    /// </summary>
    private async Task RequestsFinishedAsync(ClientSession session)
    {
        try
        {
            await session.RequestWorker.WaitAsync(_options.ClusterRetryTimeout + _options.FailoverCallTimeout);
        }
        catch (TimeoutException)
        {
            LogRequestStillRunning(logger, session.ConnectionId);
        }
    }

    /// <summary>
    /// Tells the account the connection is gone, so a kick is not sent into the void (the ticket stays valid
    /// for a resume) and the session's record ends now. The time is taken here, before any retry, so a
    /// report delayed by a silo failover still records the exact end; it is retried while the cluster fails
    /// over, for at most <see cref="GatewayOptions.SessionEndRetryTimeout"/>.
    /// </summary>
    private async Task ReleaseAccountSessionAsync(ClientSession session)
    {
        if (session.Binding is not { } binding)
        {
            return;
        }

        var endedAt = DateTimeOffset.UtcNow;
        var reason = EndReasonOf(session.CloseReason);
        if (session.Queued is { } queued)
        {
            await ReleaseQueuePlaceAsync(session, binding, queued.WorldId);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await grains.GetGrain<IAccountGrain>(binding.AccountKey).ConnectionEnded(binding.SessionId, endedAt, reason);
                return;
            }
            catch (Exception ex) when (ClusterFailures.IsTransient(ex) && System.Diagnostics.Stopwatch.GetElapsedTime(started) + delay < _options.SessionEndRetryTimeout)
            {
                LogReleaseRetry(logger, ex, session.ConnectionId, binding.AccountId);
            }
            catch (Exception ex)
            {
                LogReleaseFailed(logger, ex, session.ConnectionId, binding.AccountId);
                return;
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>A waiting client's place is kept for the world's reconnect grace; the world just learns the connection is gone.</summary>
    private async Task ReleaseQueuePlaceAsync(ClientSession session, AccountBinding binding, string worldId)
    {
        try
        {
            await grains.GetGrain<IWorldGrain>(worldId).QueueDisconnected(binding.AccountId, session.ConnectionId);
        }
        catch (Exception ex)
        {
            // The world's next count at the gateways marks the place lost-connection anyway.
            LogReleaseFailed(logger, ex, session.ConnectionId, binding.AccountId);
        }
    }

    /// <summary>How the connection ended, in the words of the session records.</summary>
    public static SessionEndReason EndReasonOf(DisconnectReason reason) => reason switch
    {
        DisconnectReason.LoggedInElsewhere => SessionEndReason.Replaced,
        DisconnectReason.ServerShutdown => SessionEndReason.Shutdown,
        DisconnectReason.IdleTimeout or DisconnectReason.AuthenticationTimeout => SessionEndReason.Timeout,
        DisconnectReason.KickedByAdmin => SessionEndReason.Kick,
        DisconnectReason.Draining => SessionEndReason.Drain,
        DisconnectReason.ProtocolViolation or DisconnectReason.SlowConsumer or DisconnectReason.RateLimitAbuse => SessionEndReason.Protocol,
        _ => SessionEndReason.Disconnect,
    };

    [LoggerMessage(EventId = LogEvents.ConnectionOpened, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened ({Transport}) from {RemoteAddress}")]
    private static partial void LogConnected(ILogger logger, long connectionId, string transport, string remoteAddress);

    [LoggerMessage(EventId = LogEvents.ConnectionClosed, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, long connectionId, DisconnectReason reason);

    [LoggerMessage(EventId = LogEvents.ConnectionBadFrame, Level = LogLevel.Information, Message = "Connection {ConnectionId}: bad frame header ({Code})")]
    private static partial void LogBadFrame(ILogger logger, long connectionId, ErrorCode code);

    [LoggerMessage(EventId = LogEvents.ConnectionTruncated, Level = LogLevel.Information, Message = "Connection {ConnectionId} ended inside a frame ({Bytes} bytes left over)")]
    private static partial void LogTruncated(ILogger logger, long connectionId, long bytes);

    [LoggerMessage(EventId = LogEvents.ConnectionReadLoopFailed, Level = LogLevel.Error, Message = "Connection {ConnectionId}: read loop failed")]
    private static partial void LogReadLoopFailed(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(EventId = LogEvents.ConnectionRequestStillRunning, Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed with a request still running after the wait; releasing its session anyway")]
    private static partial void LogRequestStillRunning(ILogger logger, long connectionId);

    [LoggerMessage(EventId = LogEvents.ConnectionReleaseRetrying, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: reporting the end of account {AccountId}'s session met a failover; retrying")]
    private static partial void LogReleaseRetry(ILogger logger, Exception exception, long connectionId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.ConnectionReleaseFailed, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: could not release the session of account {AccountId}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, long connectionId, Guid accountId);
}
