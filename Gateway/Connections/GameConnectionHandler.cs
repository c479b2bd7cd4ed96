using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// Kestrel hands every accepted game socket here. One read loop per connection turns bytes into
/// frames; whatever goes wrong with one connection ends that connection and nothing else.
/// </summary>
public sealed partial class GameConnectionHandler(
    SessionRegistry sessions,
    RequestRouter router,
    IGrainFactory grains,
    GatewayDrain drain,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<GameConnectionHandler> logger) : ConnectionHandler
{
    private readonly GatewayOptions _options = options.Value;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var session = new ClientSession(sessions.NextConnectionId(), connection, _options, logger, metrics);
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

        sessions.Add(session);
        LogConnected(logger, session.ConnectionId, session.RemoteAddress);
        // Kestrel asks connections to close when it stops on its own (outside a host shutdown).
        using var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(() => session.Close(DisconnectReason.ServerShutdown, "gateway shutting down"));
        try
        {
            await ReadFramesAsync(session, connection.Transport.Input);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
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
            sessions.Remove(session);
            await RequestsFinishedAsync(session);
            await ReleaseAccountSessionAsync(session);
            LogDisconnected(logger, session.ConnectionId, session.CloseReason);
        }
    }

    /// <summary>The System.IO.Pipelines loop: parse every whole frame, then check for the end, always advance.</summary>
    private async Task ReadFramesAsync(ClientSession session, PipeReader input)
    {
        var maxPayload = _options.MaxPayloadBytes;
        while (!session.IsClosing)
        {
            var result = await input.ReadAsync();
            if (result.IsCanceled)
            {
                break;
            }

            var buffer = result.Buffer;
            try
            {
                while (!session.IsClosing)
                {
                    var status = FrameCodec.TryReadFrame(ref buffer, maxPayload, out var frame);
                    if (status == FrameReadStatus.Incomplete)
                    {
                        break;
                    }

                    if (status != FrameReadStatus.Complete)
                    {
                        // The stream cannot be resynchronised after a bad header: say why, then close.
                        var code = status == FrameReadStatus.TooLarge ? ErrorCode.FrameTooLarge : ErrorCode.MalformedFrame;
                        LogBadFrame(logger, session.ConnectionId, code);
                        session.SendError(0, code);
                        session.Close(DisconnectReason.ProtocolViolation, ErrorDescriptions.Describe(code));
                        return;
                    }

                    router.Dispatch(session, frame);
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        LogTruncated(logger, session.ConnectionId, buffer.Length);
                    }

                    return;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

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

    /// <summary>Tells the account the connection is gone, so a kick is not sent into the void; the ticket stays valid for a resume.</summary>
    private async Task ReleaseAccountSessionAsync(ClientSession session)
    {
        if (session.Binding is not { } binding || session.CloseReason == DisconnectReason.LoggedInElsewhere)
        {
            return;
        }

        try
        {
            await grains.GetGrain<IAccountGrain>(binding.AccountKey).ConnectionClosed(binding.SessionId);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, ex, session.ConnectionId, binding.AccountId);
        }
    }

    [LoggerMessage(EventId = LogEvents.ConnectionOpened, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened from {RemoteAddress}")]
    private static partial void LogConnected(ILogger logger, long connectionId, string remoteAddress);

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

    [LoggerMessage(EventId = LogEvents.ConnectionReleaseFailed, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: could not release the session of account {AccountId}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, long connectionId, Guid accountId);
}
