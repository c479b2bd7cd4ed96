using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Limits;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// One client connection: its state machine, its limits, and its outbound queue. Frames toward
/// the client go through one bounded queue and one writer, so a client that does not read costs
/// at most <see cref="GatewayOptions.OutboundQueueCapacity"/> frames and
/// <see cref="GatewayOptions.OutboundQueueBytes"/> bytes before it is cut off. The same
/// on every carrier (<see cref="ISessionTransport"/>): TCP, WebSocket, the Firefly door.
/// </summary>
public sealed partial class ClientSession
{
    // A batch is flushed early once this much is written, which also bounds a WebSocket message.
    private const int FlushThresholdBytes = 64 * 1024;

    private readonly ISessionTransport _transport;
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<OutboundFrame> _outbound;
    private readonly GatewayMetrics? _metrics;
    private SessionPhase _phase = SessionPhase.Handshaking;
    private Guid _requestKey;
    // What the queue holds, counted by the senders before they write and by the writer after it takes:
    // the channel itself is unbounded so that the Disconnect notice always fits past the bound.
    private long _queuedFrames;
    private long _queuedBytes;
    // Past these marks a push that can be let go is dropped (GatewayOptions.DroppablePushQueuePercent).
    private readonly long _droppableFrames;
    private readonly long _droppableBytes;
    // Pushes dropped so far: the first one is logged.
    private int _droppedPushes;
    private int _closing;
    private long _lastReceived;
    private long _framesReceived;
    private long _unauthenticatedSince;
    // Where the login clock started (connect or logout), before any wait granted by AllowLoginAfter moved it on.
    private long _loginClockStarted;

    /// <summary>Request budget; used only by the read loop.</summary>
    internal TokenBucket RateLimit;

    /// <summary>Move budget; used only by the connection's request worker (one request at a time).</summary>
    internal TokenBucket MoveRate;

    /// <summary>Rate-limit strikes (<see cref="GatewayOptions.RateLimitStrikes"/>); used only by the read loop.</summary>
    internal int RateLimitStrikes;

    /// <summary>Registers sent before <see cref="RegisterRetryNotBefore"/> (<see cref="GatewayOptions.EarlyRegisterRetries"/>); used only by the read loop.</summary>
    internal int EarlyRegisterRetries;

    private long _registerRetryNotBefore;

    /// <summary>
    /// When the last Register refused by the address's budget was told it may come back (a <see cref="Stopwatch"/>
    /// timestamp; 0: never refused). Set by the request worker, read by the read loop.
    /// </summary>
    internal long RegisterRetryNotBefore
    {
        get => Volatile.Read(ref _registerRetryNotBefore);
        set => Volatile.Write(ref _registerRetryNotBefore, value);
    }

    public ClientSession(long connectionId, ISessionTransport transport, GatewayOptions options, ILogger logger, GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        ConnectionId = connectionId;
        _transport = transport;
        _options = options;
        _logger = logger;
        RemoteAddress = transport.RemoteAddress;
        RateLimit = new TokenBucket(options.RequestsPerSecond, options.RequestBurst);
        MoveRate = new TokenBucket(options.MovesPerSecond, options.MoveBurst);
        _droppableFrames = Math.Max(1, (long)options.OutboundQueueCapacity * options.DroppablePushQueuePercent / 100);
        _droppableBytes = (long)options.OutboundQueueBytes * options.DroppablePushQueuePercent / 100;
        _outbound = Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
        });
        _lastReceived = _unauthenticatedSince = _loginClockStarted = Stopwatch.GetTimestamp();
    }

    public long ConnectionId { get; }

    public string RemoteAddress { get; }

    /// <summary>What the client said of itself in Hello (name, build, platform), recorded with its sessions.</summary>
    public Grains.Accounts.ClientInfo? Client { get; set; }

    /// <summary>
    /// The request this connection's worker runs now, the same for every attempt at it: grains that must not do
    /// a request twice (Register, ResumeSession, CreateCharacter) recognise the gateway's repeat after a failover
    /// by it. Made on first use, so requests that need none cost nothing.
    /// </summary>
    public Guid RequestKey => _requestKey == Guid.Empty ? _requestKey = Guid.NewGuid() : _requestKey;

    /// <summary>True once the running request is being repeated after a failover: gateway-side budgets were already paid.</summary>
    public bool RequestIsRepeat { get; private set; }

    /// <summary>The worker starts the next request: a new key when one is asked for.</summary>
    public void BeginRequest()
    {
        _requestKey = Guid.Empty;
        RequestIsRepeat = false;
    }

    /// <summary>The worker repeats the running request (same key).</summary>
    public void RepeatRequest() => RequestIsRepeat = true;

    /// <summary>Set while this connection waits in a world's queue: which world, for which character (QueueUpdate pushes are for it).</summary>
    public (string WorldId, Guid CharacterId)? Queued { get; set; }

    /// <summary>The carrier's name (<see cref="ISessionTransport.Kind"/>), for logs.</summary>
    public string TransportKind => _transport.Kind;

    public SessionState State => Volatile.Read(ref _phase).State;

    /// <summary>The account session held, when logged in; read together with <see cref="State"/> through <see cref="Phase"/>.</summary>
    public AccountBinding? Binding => Volatile.Read(ref _phase).Binding;

    /// <summary>The state and the binding that goes with it, read as one (they change together).</summary>
    public SessionPhase Phase => Volatile.Read(ref _phase);

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Bytes queued toward the client and not yet taken by the writer: what a slow reader costs the gateway now.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public DisconnectReason CloseReason { get; private set; }

    /// <summary>Time since the last frame arrived.</summary>
    public TimeSpan Idle => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastReceived));

    /// <summary>Time since the connection opened or last logged out; Hello does not restart it.</summary>
    public TimeSpan UnauthenticatedFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _unauthenticatedSince));

    /// <summary>
    /// The client, not logged in, was told to come back after <paramref name="retryAfter"/>: its time to log in
    /// counts from then, up to <see cref="GatewayOptions.MaxLoginWaitGranted"/> past the clock's start. Called with
    /// the request's reply, by the request path that alone moves the clock while the client is not logged in.
    /// </summary>
    public void AllowLoginAfter(TimeSpan retryAfter)
    {
        if ((State & (SessionState.Handshaking | SessionState.Connected)) == 0 || retryAfter <= TimeSpan.Zero)
        {
            return;
        }

        var wanted = Stopwatch.GetTimestamp() + (long)(retryAfter.TotalSeconds * Stopwatch.Frequency);
        var latest = Volatile.Read(ref _loginClockStarted) + (long)(_options.MaxLoginWaitGranted.TotalSeconds * Stopwatch.Frequency);
        var since = Math.Min(wanted, latest);
        if (since > Volatile.Read(ref _unauthenticatedSince))
        {
            Volatile.Write(ref _unauthenticatedSince, since);
        }
    }

    public void MarkReceived()
    {
        Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
        Volatile.Write(ref _framesReceived, _framesReceived + 1);
    }

    /// <summary>Frames read from the client so far (counted by the read loop, its only writer).</summary>
    public long FramesReceived => Volatile.Read(ref _framesReceived);

    /// <summary>Moves to <paramref name="state"/> holding <paramref name="binding"/>. Called only from the read loop.</summary>
    public void MoveTo(SessionState state, AccountBinding? binding)
    {
        if (state == SessionState.Connected && (State & SessionState.LoggedIn) != 0)
        {
            // Logged out: the clock to log in again starts now.
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _loginClockStarted, now);
            Volatile.Write(ref _unauthenticatedSince, now);
        }

        Volatile.Write(ref _phase, SessionPhase.Of(state, binding));
    }

    /// <summary>Queues one frame. A full queue means the client stopped reading: it is cut off, not buffered.</summary>
    public bool Send(ushort opcode, uint requestId, IMessage? message) =>
        !IsClosing && EnqueueFrame(OutboundFrame.Create(opcode, requestId, message), droppable: false) == EnqueueResult.Queued;

    /// <summary>Queues a push whose payload a grain already encoded (zone updates, chat): framed and copied, never parsed.</summary>
    public bool SendPush(ushort opcode, ReadOnlySpan<byte> payload) =>
        !IsClosing && EnqueueFrame(OutboundFrame.Create(opcode, payload), droppable: false) == EnqueueResult.Queued;

    /// <summary>
    /// Queues a push that can be let go (<see cref="DroppablePushes"/>: public chat, world updates), unless the
    /// queue already holds <see cref="GatewayOptions.DroppablePushQueuePercent"/> of a bound: then it is dropped,
    /// so a client that reads too slowly loses chatter and in-between updates, not its connection.
    /// </summary>
    /// <returns>False when the push was dropped for that reason (a world update's sender must send the whole view
    /// again); true when it was queued, or when the connection is closing anyway.</returns>
    public bool SendDroppablePush(ushort opcode, ReadOnlySpan<byte> payload)
    {
        if (IsClosing)
        {
            return true;
        }

        // The cheap look first, so a flood toward a stalled client costs no buffer per push.
        if (Volatile.Read(ref _queuedFrames) >= _droppableFrames || Volatile.Read(ref _queuedBytes) + FrameHeader.Size + payload.Length > _droppableBytes)
        {
            OnPushDropped(opcode);
            return false;
        }

        if (EnqueueFrame(OutboundFrame.Create(opcode, payload), droppable: true) == EnqueueResult.Dropped)
        {
            OnPushDropped(opcode);
            return false;
        }

        return true;
    }

    private void OnPushDropped(ushort opcode)
    {
        _metrics?.PushDropped((Opcode)opcode);
        if (Interlocked.Increment(ref _droppedPushes) == 1)
        {
            var frames = Volatile.Read(ref _queuedFrames);
            var bytes = Volatile.Read(ref _queuedBytes);
            LogDroppingPushes(_logger, ConnectionId, _options.DroppablePushQueuePercent, frames, bytes);
        }
    }

    /// <summary>
    /// Counts the frame in, then queues it; over either bound (frames or bytes) the client is cut off
    /// instead, or, for a <paramref name="droppable"/> frame, over the lower droppable mark the frame is
    /// let go. Counting first keeps the bounds exact under concurrent senders.
    /// </summary>
    private EnqueueResult EnqueueFrame(OutboundFrame frame, bool droppable)
    {
        var frames = Interlocked.Increment(ref _queuedFrames);
        var bytes = Interlocked.Add(ref _queuedBytes, frame.Length);
        if (droppable && (frames > _droppableFrames || bytes > _droppableBytes))
        {
            Uncount(frame);
            frame.Return();
            return EnqueueResult.Dropped;
        }

        if (frames > _options.OutboundQueueCapacity || bytes > _options.OutboundQueueBytes)
        {
            Uncount(frame);
            frame.Return();
            if (!IsClosing)
            {
                Close(DisconnectReason.SlowConsumer, frames > _options.OutboundQueueCapacity ? "outbound queue full" : "outbound queue bytes over the bound", notify: false);
            }

            return EnqueueResult.Refused;
        }

        if (_outbound.Writer.TryWrite(frame))
        {
            return EnqueueResult.Queued;
        }

        // Closed meanwhile: the writer will not take it.
        Uncount(frame);
        frame.Return();
        return EnqueueResult.Refused;
    }

    private enum EnqueueResult
    {
        Queued,

        /// <summary>Over a bound (the client is being cut off), or the queue is closed.</summary>
        Refused,

        /// <summary>A droppable frame over the droppable mark: let go, the connection stays.</summary>
        Dropped,
    }

    private void Uncount(OutboundFrame frame)
    {
        Interlocked.Decrement(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, -frame.Length);
    }

    public void SendError(uint requestId, ErrorCode code, TimeSpan retryAfter = default, long untilMs = 0, string? updateUrl = null)
    {
        _metrics?.ErrorSent(code);
        Send((ushort)Opcode.Error, requestId, new ErrorResponse
        {
            Code = code,
            Detail = ErrorDescriptions.Describe(code),
            RetryAfterMs = (uint)Math.Ceiling(retryAfter.TotalMilliseconds),
            UntilMs = untilMs,
            UpdateUrl = updateUrl ?? "",
        });
    }

    /// <summary>
    /// Starts closing: once. With <paramref name="notify"/>, a Disconnect notice is the last frame
    /// the client gets, listing <paramref name="alternatives"/> (gateways to resume on) when given.
    /// The read loop stops; the writer flushes what is queued, then the socket closes.
    /// </summary>
    public void Close(DisconnectReason reason, string? detail = null, bool notify = true, IEnumerable<GatewayAddress>? alternatives = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        CloseReason = reason;
        if (notify)
        {
            // Written past the bound on purpose (the channel is unbounded, the bound is counted in
            // EnqueueFrame): the notice is one small frame and tells the client why.
            var notice = new DisconnectNotice { Reason = reason, Detail = detail ?? "" };
            if (alternatives is not null)
            {
                notice.Alternatives.AddRange(alternatives);
            }

            var frame = OutboundFrame.Create((ushort)Opcode.Disconnect, 0, notice);
            if (!_outbound.Writer.TryWrite(frame))
            {
                frame.Return();
            }
        }

        _outbound.Writer.TryComplete();
        if (reason == DisconnectReason.SlowConsumer)
        {
            // The writer is stuck flushing to a client that does not read: cut the socket now.
            _transport.Abort("slow consumer");
        }

        _transport.StopReading();
        if (reason != DisconnectReason.Unspecified)
        {
            _metrics?.Disconnected(reason);
            LogClosing(_logger, ConnectionId, reason, detail ?? "");
        }
    }

    /// <summary>
    /// The one writer: drains the queue into the carrier, flushing once per batch (and early in a long one).
    /// Once the queue is closed and empty, ends the carrier gracefully.
    /// </summary>
    public async Task RunWriterAsync()
    {
        var reader = _outbound.Reader;
        var output = _transport.Output;
        var open = true;
        try
        {
            while (open && await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (open && reader.TryRead(out var frame))
                {
                    Uncount(frame);
                    output.Write(frame.Span);
                    _metrics?.FrameSent(frame.Span.Length);
                    frame.Return();
                    if (_transport.UnflushedBytes >= FlushThresholdBytes)
                    {
                        open = await _transport.FlushAsync().ConfigureAwait(false);
                    }
                }

                open = open && await _transport.FlushAsync().ConfigureAwait(false);
            }

            if (open)
            {
                await _transport.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
        {
            // The carrier went away under the writer; the read loop notices and ends the connection.
        }
        finally
        {
            while (reader.TryRead(out var frame))
            {
                frame.Return();
            }
        }
    }

    /// <summary>Cuts the connection without waiting for queued frames.</summary>
    public void Abort(string why) => _transport.Abort(why);

    [LoggerMessage(EventId = LogEvents.SessionDroppingPushes, Level = LogLevel.Information, Message = "Connection {ConnectionId} reads too slowly: its chat lines and world updates are dropped while its outbound queue is over {Percent}% of a bound ({Frames} frames, {Bytes} bytes queued); logged once per connection")]
    private static partial void LogDroppingPushes(ILogger logger, long connectionId, int percent, long frames, long bytes);

    [LoggerMessage(EventId = LogEvents.SessionClosing, Level = LogLevel.Information, Message = "Connection {ConnectionId} closing: {Reason} {Detail}")]
    private static partial void LogClosing(ILogger logger, long connectionId, DisconnectReason reason, string detail);

    /// <summary>A serialized frame in a pooled buffer, owned by the queue until written.</summary>
    private readonly struct OutboundFrame(byte[] buffer, int length)
    {
        public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

        public int Length => length;

        public static OutboundFrame Create(ushort opcode, uint requestId, IMessage? message)
        {
            var size = FrameCodec.FrameSize(message);
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            var written = FrameCodec.WriteFrame(buffer, opcode, requestId, message);
            return new OutboundFrame(buffer, written);
        }

        public static OutboundFrame Create(ushort opcode, ReadOnlySpan<byte> payload)
        {
            var size = FrameHeader.Size + payload.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            FrameHeader.Write(buffer, (uint)payload.Length, opcode, 0);
            payload.CopyTo(buffer.AsSpan(FrameHeader.Size));
            return new OutboundFrame(buffer, size);
        }

        public void Return() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
