using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// Checks one frame against the connection's limits, queues it behind the connection's earlier
/// requests, and runs them in order, each judged against the state the ones before it left; sends
/// each reply with its request's id: handlers never see or set request ids.
/// </summary>
public sealed partial class RequestRouter
{
    // Failover takes a second or two: start fast so a brief hiccup costs little, then back off so a
    // longer one costs the cluster a few calls per request, not a storm.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly OpcodeTable table;
    private readonly GatewayMetrics metrics;
    private readonly ClusterFailoverMonitor failover;
    private readonly ILogger<RequestRouter> logger;
    private readonly ConnectionAdmission admission;
    private readonly GatewayOptions _options;
    // Connections that have run a queued request and are not yet released (SessionHost): the ones a silo loss may
    // concern. Added once per connection, not per request.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, ClientSession> _watched = new();

    public RequestRouter(
        OpcodeTable table, IOptions<GatewayOptions> options, GatewayMetrics metrics, ClusterFailoverMonitor failover, ConnectionAdmission admission, ILogger<RequestRouter> logger)
    {
        this.table = table;
        this.admission = admission;
        this.metrics = metrics;
        this.failover = failover;
        this.logger = logger;
        _options = options.Value;
        failover.SiloLost += OnSiloLost;
    }

    /// <summary>The connection's requests are all finished: a silo loss no longer concerns it.</summary>
    public void Release(ClientSession session) => _watched.TryRemove(session.ConnectionId, out _);

    /// <summary>
    /// Closes a connection that kept ignoring its limits (RATE_LIMIT_ABUSE), its address first charged for it: a reconnect
    /// right after the cut must meet that charge, so it is taken before the client can hear of the cut.
    /// </summary>
    private void CutForAbuse(ClientSession session, string detail)
    {
        admission.Penalize(session.RemoteAddress, _options.AbuseCutConnectionPenalty);
        session.Close(DisconnectReason.RateLimitAbuse, detail);
    }

    private void OnSiloLost()
    {
        foreach (var session in _watched.Values)
        {
            session.FailoverWatch?.SiloLost();
        }
    }

    /// <summary>
    /// Judges one frame as it is read (the payload lives in the read buffer, so it is parsed here).
    /// What can be decided from the frame alone is answered at once; a request that passes is either
    /// answered inline (Hello, Ping: no grain call, nothing queued can change their verdict) or queued
    /// behind the connection's earlier requests, to be judged against the state they leave and run in
    /// order (see <see cref="ClientSession"/> Requests). Never waits: the read loop reads on.
    /// </summary>
    public void Dispatch(ClientSession session, in Frame frame)
    {
        session.MarkReceived();
        metrics.FrameReceived(FrameHeader.Size + (int)frame.Payload.Length);
        var requestId = frame.RequestId;
        if (!table.TryGet(frame.Opcode, out var route))
        {
            LogProtocolViolation(logger, session.ConnectionId, "unknown opcode", frame.Opcode);
            session.SendError(requestId, ErrorCode.UnknownOpcode);
            session.Close(DisconnectReason.ProtocolViolation, "unknown opcode");
            return;
        }

        var handshaking = session.State == SessionState.Handshaking;
        if (handshaking && route.Opcode != Opcode.Hello)
        {
            LogProtocolViolation(logger, session.ConnectionId, "no handshake", frame.Opcode);
            session.SendError(requestId, ErrorCode.HandshakeRequired);
            session.Close(DisconnectReason.ProtocolViolation, "the first frame must be Hello");
            return;
        }

        if (!session.RateLimit.TryTake(out var retryAfter))
        {
            session.SendError(requestId, ErrorCode.RateLimited, retryAfter);
            if (++session.RateLimitStrikes >= _options.RateLimitStrikes)
            {
                CutForAbuse(session, "kept sending while rate limited");
            }

            return;
        }

        // One strike off per request let through, not all of them: a client that keeps sending well over its
        // rate (a few let through between many refused) still runs out, where "in a row" never did.
        if (session.RateLimitStrikes > 0)
        {
            session.RateLimitStrikes--;
        }

        if (route.Opcode == Opcode.Register && session.RegisterRetryNotBefore is var notBefore and not 0
            && Stopwatch.GetTimestamp() is var now && now < notBefore)
        {
            // Told to wait and did not (within the request limit, which judged it above): refused as before, without the
            // budget's work, and cut after a few.
            session.SendError(requestId, ErrorCode.RateLimited, Stopwatch.GetElapsedTime(now, notBefore));
            if (++session.EarlyRegisterRetries > _options.EarlyRegisterRetries)
            {
                CutForAbuse(session, "kept registering before its retry time");
            }

            return;
        }

        switch (session.CheckRequestId(requestId))
        {
            case RequestAdmission.IdInvalid:
                session.SendError(requestId, ErrorCode.RequestIdInvalid);
                return;
            case RequestAdmission.IdInUse:
                session.SendError(requestId, ErrorCode.RequestIdInUse);
                return;
        }

        IMessage request;
        try
        {
            request = route.Parse(frame.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            session.SendError(requestId, ErrorCode.InvalidPayload);
            if (handshaking)
            {
                // A Hello that is not a HelloRequest: this is not a client of this protocol.
                LogProtocolViolation(logger, session.ConnectionId, "unreadable Hello", frame.Opcode);
                session.Close(DisconnectReason.ProtocolViolation, "the Hello payload is not a HelloRequest");
            }

            return;
        }

        if (route.IsInline)
        {
            var started = Stopwatch.GetTimestamp();
            var reply = (route.AllowedIn & session.State) == 0 ? Reply.Fail(ErrorCode.NotAllowedInState) : route.Answer(session, request);
            SendReply(session, route, requestId, reply);
            metrics.RequestCompleted(route.Opcode, Stopwatch.GetElapsedTime(started));
            return;
        }

        switch (session.Enqueue(new QueuedRequest(route, requestId, request), out var startWorker))
        {
            case RequestAdmission.TooManyInFlight:
                session.SendError(requestId, ErrorCode.TooManyInFlight);
                return;
            case RequestAdmission.Admitted when startWorker:
                if (session.FailoverWatch is null)
                {
                    session.FailoverWatch = new FailoverWatch();
                    _watched[session.ConnectionId] = session;
                }

                session.RequestWorker = RunQueuedAsync(session);
                return;
        }
    }

    /// <summary>
    /// The connection's worker: runs its queued requests one after the other, each judged in the state
    /// the ones before it left, until the queue is empty. One per busy period, not one per request.
    /// Never throws: a failing request is answered INTERNAL_ERROR (BUSY when the grain could not store its change in time) and the next one runs.
    /// </summary>
    private async Task RunQueuedAsync(ClientSession session)
    {
        while (session.TryDequeue(out var next))
        {
            var (route, requestId, request) = next;
            var started = Stopwatch.GetTimestamp();
            session.BeginRequest();
            try
            {
                var reply = (route.AllowedIn & session.State) == 0
                    ? Reply.Fail(ErrorCode.NotAllowedInState)
                    : await HandleWithClusterRetryAsync(session, route, request).ConfigureAwait(false);
                metrics.AuthenticationAttempted(route.Opcode, reply.Message is not null);
                SendReply(session, route, requestId, reply);
            }
            catch (Exception ex) when (GameErrors.IsStateNotWritten(ex))
            {
                // The grain could not store the change within its bound and acknowledged nothing: a retryable
                // answer, not an internal error (docs/persistence.md, "When a write-through gives up").
                LogStateNotWritten(logger, session.ConnectionId, route.Opcode, ex.Message);
                metrics.AuthenticationAttempted(route.Opcode, succeeded: false);
                session.SendError(requestId, ErrorCode.Busy, GameErrors.StorageRetryAfter);
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
                session.Answered(requestId);
                metrics.RequestCompleted(route.Opcode, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>The reply with the request's id; then what it asks for after being sent, and the close it asks for.</summary>
    private static void SendReply(ClientSession session, Route route, uint requestId, Reply reply)
    {
        if (reply.Message is not null)
        {
            session.Send(route.Opcode.ResponseOf(), requestId, reply.Message);
            reply.AfterSent?.Invoke(session);
        }
        else
        {
            session.SendError(requestId, reply.Error, reply.RetryAfter, reply.UntilMs, reply.UpdateUrl);
            if (reply.Error is ErrorCode.Busy or ErrorCode.LoginThrottled or ErrorCode.RateLimited)
            {
                // A login storm's clients are told to wait; cutting them off for not logging in meanwhile only
                // makes them reconnect into the storm (measured: 650 such disconnects per 30 s).
                session.AllowLoginAfter(reply.RetryAfter);
            }
        }

        if (reply.CloseWith != DisconnectReason.Unspecified)
        {
            session.Close(reply.CloseWith, ErrorDescriptions.Describe(reply.Error));
        }
    }

    /// <summary>
    /// Runs the handler, repeating it while the cluster fails over (see <see cref="ClusterFailures"/>),
    /// for at most <see cref="GatewayOptions.ClusterRetryTimeout"/>: clients see a slow answer, not an error.
    /// Handlers change the session only after their grain call succeeded, so a repeat starts clean; grain calls
    /// that must not run twice carry <see cref="ClientSession.RequestKey"/>, the same for every attempt.
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
            // The attempt may have done its work and only its answer was lost: the next one carries the same
            // request key, so grains answer it as the repeat it is (see ClientSession.RequestKey).
            session.RepeatRequest();
        }
    }

    /// <summary>
    /// One attempt. Normally just the handler. But a call that went to a silo just before it crashed is
    /// never answered (Orleans would wait out its 30 s response timeout): when a silo is lost while the call
    /// is outstanding, or was lost shortly before it started, the call gets
    /// <see cref="GatewayOptions.FailoverCallTimeout"/> to answer, then counts as lost and is retried.
    /// No timer is armed unless a silo was lost, and the wait is the connection's own (<see cref="FailoverWatch"/>):
    /// the common path allocates nothing and shares nothing with other connections.
    /// </summary>
    private async ValueTask<Reply> AttemptAsync(ClientSession session, Route route, IMessage request)
    {
        var lossAlreadyKnown = failover.LostWithin(_options.ClusterRetryTimeout);
        var watch = session.FailoverWatch!;
        // Armed before the call starts, so a loss while it is being sent counts.
        watch.Arm();
        ValueTask<Reply> handling;
        try
        {
            handling = route.HandleAsync(session, request);
        }
        catch
        {
            watch.Disarm();
            throw;
        }

        if (handling.IsCompleted || _options.FailoverCallTimeout <= TimeSpan.Zero)
        {
            watch.Disarm();
            return await handling.ConfigureAwait(false);
        }

        watch.Watch(handling);
        if (!lossAlreadyKnown && await watch.UntilCompletedOrLostAsync().ConfigureAwait(false))
        {
            return watch.Result();
        }

        if (await watch.UntilCompletedWithinAsync(_options.FailoverCallTimeout).ConfigureAwait(false))
        {
            return watch.Result();
        }

        // Abandoned to the old watch, which observes the call's end if it ever comes; the connection's next call gets a new one.
        session.FailoverWatch = new FailoverWatch();
        throw new CallLostInFailoverException(_options.FailoverCallTimeout);
    }

    [LoggerMessage(EventId = LogEvents.RequestClusterRetry, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Opcode} attempt {Attempt} met a cluster failover; retrying")]
    private static partial void LogClusterRetry(ILogger logger, Exception exception, long connectionId, Opcode opcode, int attempt);

    [LoggerMessage(EventId = LogEvents.RequestWorldRetry, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Opcode} attempt {Attempt} found the world unavailable; retrying")]
    private static partial void LogWorldRetry(ILogger logger, long connectionId, Opcode opcode, int attempt);

    [LoggerMessage(EventId = LogEvents.RequestProtocolViolation, Level = LogLevel.Information, Message = "Connection {ConnectionId}: protocol violation ({What}), opcode 0x{Opcode:X4}")]
    private static partial void LogProtocolViolation(ILogger logger, long connectionId, string what, ushort opcode);

    [LoggerMessage(EventId = LogEvents.RequestStateNotWritten, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: {Opcode} could not store its change in time; answered BUSY: {Reason}")]
    private static partial void LogStateNotWritten(ILogger logger, long connectionId, Opcode opcode, string reason);

    [LoggerMessage(EventId = LogEvents.RequestHandlerFailed, Level = LogLevel.Error, Message = "Connection {ConnectionId}: handler for {Opcode} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, long connectionId, Opcode opcode);
}
