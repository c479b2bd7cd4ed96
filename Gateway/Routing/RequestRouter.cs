using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// Checks one frame against the connection's state and limits, then runs its handler and sends
/// the reply with the request's id: handlers never see or set request ids.
/// </summary>
public sealed partial class RequestRouter(OpcodeTable table, IOptions<GatewayOptions> options, GatewayMetrics metrics, ClusterFailoverMonitor failover, ILogger<RequestRouter> logger)
{
    // Failover takes a second or two: start fast so a brief hiccup costs little, then back off so a
    // longer one costs the cluster a few calls per request, not a storm.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly GatewayOptions _options = options.Value;

    /// <summary>
    /// Parses synchronously (the payload lives in the read buffer). The returned task is already
    /// complete unless the route changes the connection's state, in which case the read loop awaits it.
    /// </summary>
    public ValueTask DispatchAsync(ClientSession session, in Frame frame)
    {
        session.MarkReceived();
        metrics.FrameReceived(FrameHeader.Size + (int)frame.Payload.Length);
        var requestId = frame.RequestId;
        if (!table.TryGet(frame.Opcode, out var route))
        {
            LogProtocolViolation(logger, session.ConnectionId, "unknown opcode", frame.Opcode);
            session.SendError(requestId, ErrorCode.UnknownOpcode);
            session.Close(DisconnectReason.ProtocolViolation, "unknown opcode");
            return ValueTask.CompletedTask;
        }

        var state = session.State;
        if (state == SessionState.Handshaking && route.Opcode != Opcode.Hello)
        {
            LogProtocolViolation(logger, session.ConnectionId, "no handshake", frame.Opcode);
            session.SendError(requestId, ErrorCode.HandshakeRequired);
            session.Close(DisconnectReason.ProtocolViolation, "the first frame must be Hello");
            return ValueTask.CompletedTask;
        }

        if (!session.RateLimit.TryTake(out var retryAfter))
        {
            session.SendError(requestId, ErrorCode.RateLimited, retryAfter);
            if (++session.RateLimitStrikes >= _options.RateLimitStrikes)
            {
                session.Close(DisconnectReason.RateLimitAbuse, "kept sending while rate limited");
            }

            return ValueTask.CompletedTask;
        }

        session.RateLimitStrikes = 0;
        if ((route.AllowedIn & state) == 0)
        {
            session.SendError(requestId, ErrorCode.NotAllowedInState);
            return ValueTask.CompletedTask;
        }

        IMessage request;
        try
        {
            request = route.Parse(frame.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            session.SendError(requestId, ErrorCode.InvalidPayload);
            return ValueTask.CompletedTask;
        }

        if (!session.TryEnterRequest())
        {
            session.SendError(requestId, ErrorCode.TooManyInFlight);
            return ValueTask.CompletedTask;
        }

        var running = RunAsync(session, route, requestId, request);
        if (route.ChangesState)
        {
            return new ValueTask(running);
        }

        // Runs on; RunAsync catches and reports everything, so nothing is lost unobserved.
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(ClientSession session, Route route, uint requestId, IMessage request)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var reply = await HandleWithClusterRetryAsync(session, route, request).ConfigureAwait(false);
            metrics.AuthenticationAttempted(route.Opcode, reply.Message is not null);
            if (reply.Message is not null)
            {
                session.Send(route.Opcode.ResponseOf(), requestId, reply.Message);
                reply.AfterSent?.Invoke(session);
            }
            else
            {
                session.SendError(requestId, reply.Error, reply.RetryAfter);
            }

            if (reply.CloseWith != DisconnectReason.Unspecified)
            {
                session.Close(reply.CloseWith, ErrorDescriptions.Describe(reply.Error));
            }
        }
        catch (Exception ex)
        {
            // The client learns only that it failed; the details stay in the log.
            LogHandlerFailed(logger, ex, session.ConnectionId, route.Opcode);
            metrics.AuthenticationAttempted(route.Opcode, succeeded: false);
            session.SendError(requestId, ErrorCode.InternalError);
        }
        finally
        {
            metrics.RequestCompleted(route.Opcode, Stopwatch.GetElapsedTime(started));
            session.ExitRequest();
        }
    }

    /// <summary>
    /// Runs the handler, repeating it while the cluster fails over (see <see cref="ClusterFailures"/>),
    /// for at most <see cref="GatewayOptions.ClusterRetryTimeout"/>: clients see a slow answer, not an error.
    /// Handlers change the session only after their grain call succeeded, so a repeat starts clean.
    /// </summary>
    private async ValueTask<Reply> HandleWithClusterRetryAsync(ClientSession session, Route route, IMessage request)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var reply = await AttemptAsync(session, route, request).ConfigureAwait(false);
                // The world answers WORLD_UNAVAILABLE ("retry") when a zone cannot be reached: during a
                // failover that is the same transient failure, caught one grain further in.
                if (reply.Error != ErrorCode.WorldUnavailable || session.IsClosing
                    || Stopwatch.GetElapsedTime(started) + delay >= _options.ClusterRetryTimeout)
                {
                    return reply;
                }

                LogWorldRetry(logger, session.ConnectionId, route.Opcode, attempt);
                metrics.ClusterRetry(route.Opcode);
            }
            catch (Exception ex) when (ClusterFailures.IsTransient(ex)
                && !session.IsClosing
                && Stopwatch.GetElapsedTime(started) + delay < _options.ClusterRetryTimeout)
            {
                LogClusterRetry(logger, ex, session.ConnectionId, route.Opcode, attempt);
                metrics.ClusterRetry(route.Opcode);
            }

            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>
    /// One attempt. Normally just the handler. But a call that went to a silo just before it crashed is
    /// never answered (Orleans would wait out its 30 s response timeout): when a silo is lost while the call
    /// is outstanding, or was lost shortly before it started, the call gets
    /// <see cref="GatewayOptions.FailoverCallTimeout"/> to answer, then counts as lost and is retried.
    /// No timer is armed unless a silo was lost: the common path costs one extra check.
    /// </summary>
    private async ValueTask<Reply> AttemptAsync(ClientSession session, Route route, IMessage request)
    {
        var lossAlreadyKnown = failover.LostWithin(_options.ClusterRetryTimeout);
        var nextLoss = failover.NextLoss;
        var handling = route.HandleAsync(session, request);
        if (handling.IsCompleted || _options.FailoverCallTimeout <= TimeSpan.Zero)
        {
            return await handling.ConfigureAwait(false);
        }

        var call = handling.AsTask();
        if (!lossAlreadyKnown && await Task.WhenAny(call, nextLoss).ConfigureAwait(false) == call)
        {
            return await call.ConfigureAwait(false);
        }

        if (await Task.WhenAny(call, Task.Delay(_options.FailoverCallTimeout)).ConfigureAwait(false) == call)
        {
            return await call.ConfigureAwait(false);
        }

        // Abandoned: if it ever completes or fails, nobody waits for it, but its failure is still observed.
        _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        throw new CallLostInFailoverException(_options.FailoverCallTimeout);
    }

    [LoggerMessage(EventId = LogEvents.RequestClusterRetry, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Opcode} attempt {Attempt} met a cluster failover; retrying")]
    private static partial void LogClusterRetry(ILogger logger, Exception exception, long connectionId, Opcode opcode, int attempt);

    [LoggerMessage(EventId = LogEvents.RequestWorldRetry, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Opcode} attempt {Attempt} found the world unavailable; retrying")]
    private static partial void LogWorldRetry(ILogger logger, long connectionId, Opcode opcode, int attempt);

    [LoggerMessage(EventId = LogEvents.RequestProtocolViolation, Level = LogLevel.Information, Message = "Connection {ConnectionId}: protocol violation ({What}), opcode 0x{Opcode:X4}")]
    private static partial void LogProtocolViolation(ILogger logger, long connectionId, string what, ushort opcode);

    [LoggerMessage(EventId = LogEvents.RequestHandlerFailed, Level = LogLevel.Error, Message = "Connection {ConnectionId}: handler for {Opcode} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, long connectionId, Opcode opcode);
}
