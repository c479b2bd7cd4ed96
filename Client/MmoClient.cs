using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>
/// One connection to a gateway. Thread-safe: any number of requests may be in flight at once.
/// <para>
/// Three loops own the socket: a read loop that parses frames and completes requests by request id,
/// a write loop that is the only writer of the socket (callers queue frames; the loop writes everything
/// queued, then flushes once, so concurrent requests share syscalls), and an optional heartbeat.
/// Requests time out through one sweep timer per client rather than a timer per request.
/// </para>
/// Always dispose the client: its timers keep it alive until then.
/// </summary>
public sealed partial class MmoClient : IAsyncDisposable
{
    // Frames are flushed early once this much is buffered, so one burst cannot grow the buffer without bound.
    private const int FlushThresholdBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly MmoClientOptions _options;
    private readonly long _requestTimeoutMs;
    private readonly ConcurrentDictionary<uint, IPendingRequest> _pending = new();
    private readonly Channel<Outbound> _outbound;
    private readonly Channel<ServerPush> _pushes;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<DisconnectInfo> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timeoutSweep;
    private readonly Task _readLoop;
    private readonly Task _run;
    private Task _heartbeat = Task.CompletedTask;
    private uint _lastRequestId;
    private long _lastSendMs;
    // Set once, by Terminate; non-null means the connection is over.
    private DisconnectInfo? _disconnectInfo;
    private volatile ErrorResponse? _lastUnmatchedError;
    private volatile SessionTicket? _currentTicket;
    private volatile string? _accountId;
    private volatile IReadOnlyList<GatewayAddress> _knownGateways = [];

    private MmoClient(Socket socket, MmoClientOptions options)
    {
        _socket = socket;
        _options = options;
        RemoteEndPoint = socket.RemoteEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: false);
        // Zero-byte reads: an idle connection holds no receive buffer, which matters for a bot running thousands.
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        // Unbounded on purpose: every entry belongs to a caller awaiting it, and the gateway bounds in-flight requests.
        _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
        // Not SingleWriter: Terminate completes the channel from any thread while the read loop writes.
        _pushes = Channel.CreateBounded<ServerPush>(new BoundedChannelOptions(options.PushChannelCapacity)
        {
            FullMode = options.PushFullMode,
        });

        _requestTimeoutMs = options.RequestTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)options.RequestTimeout.TotalMilliseconds;
        if (_requestTimeoutMs > 0)
        {
            // A timeout fires at most one period late: an eighth of the timeout, within [10 ms, 250 ms].
            var period = Math.Clamp(_requestTimeoutMs / 8, 10, 250);
            _timeoutSweep = new Timer(static state => ((MmoClient)state!).SweepTimeouts(), this, period, period);
        }

        _lastSendMs = Environment.TickCount64;
        _readLoop = ReadLoopAsync();
        _run = RunAsync();
    }

    /// <summary>The gateway's Hello response: protocol version, gateway id, heartbeat interval and limits.
    /// Null only with <see cref="MmoClientOptions.SkipHandshake"/>.</summary>
    public HelloResponse? Hello { get; private set; }

    /// <summary>The newest ticket the server issued on this connection (Login, ResumeSession, RenewTicket).
    /// Tickets are single use: resume with it on a new connection after this one is lost.</summary>
    public SessionTicket? CurrentTicket => _currentTicket;

    /// <summary>The account this connection is logged in to, or null.</summary>
    public string? AccountId => _accountId;

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The host this client was asked to connect to (a gateway, or the load balancer).</summary>
    public string Host { get; private init; } = "";

    /// <summary>The port this client was asked to connect to.</summary>
    public int Port { get; private init; }

    public bool IsConnected => Volatile.Read(ref _disconnectInfo) is null;

    /// <summary>Requests sent and not yet answered, failed or timed out.</summary>
    public int PendingRequestCount => _pending.Count;

    /// <summary>Completes once, when the connection ends, with why. Never faults.</summary>
    public Task<DisconnectInfo> Disconnected => _disconnected.Task;

    /// <summary>Server pushes and unmatched errors, in arrival order. Completes when the connection ends;
    /// what was queued before stays readable.</summary>
    public ChannelReader<ServerPush> Pushes => _pushes.Reader;

    public IAsyncEnumerable<ServerPush> ReadPushesAsync(CancellationToken cancellationToken = default) =>
        _pushes.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Opens a TCP connection to a gateway and, unless <see cref="MmoClientOptions.SkipHandshake"/> is set,
    /// performs the Hello handshake. A rejected Hello (PROTOCOL_VERSION_MISMATCH) throws
    /// <see cref="MmoErrorException"/>; a connect that takes too long throws <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<MmoClient> ConnectAsync(
        string host,
        int port,
        MmoClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        options ??= new MmoClientOptions();
        options.Validate();

        var socket = options.LocalAddress is { } local
            ? new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        MmoClient? client = null;
        var succeeded = false;
        try
        {
            if (options.LocalAddress is { } localAddress)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await ConnectSocketAsync(socket, host, port, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            client = new MmoClient(socket, options) { Host = host, Port = port };
            if (!options.SkipHandshake)
            {
                await client.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            }

            succeeded = true;
            return client;
        }
        finally
        {
            if (!succeeded)
            {
                if (client is not null)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    socket.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Sends one request and awaits its response. The response must carry <c>opcode | 0x8000</c>; an Error
    /// frame throws <see cref="MmoErrorException"/>. No client-side checks on the opcode or size: abuse tests
    /// rely on sending what a well-behaved client would not.
    /// </summary>
    public Task<TResponse> SendRequestAsync<TResponse>(
        Opcode opcode,
        IMessage request,
        MessageParser<TResponse> parser,
        CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        return Send(OutboundKind.Message, opcode, request, default, parser, cancellationToken);
    }

    /// <summary>
    /// Sends a request whose payload is the given bytes (which need not be a valid message) and awaits its
    /// response. <paramref name="payload"/> must not change until the returned task completes.
    /// </summary>
    public Task<TResponse> SendRequestAsync<TResponse>(
        Opcode opcode,
        ReadOnlyMemory<byte> payload,
        MessageParser<TResponse> parser,
        CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        return Send(OutboundKind.Payload, opcode, null, payload, parser, cancellationToken);
    }

    /// <summary>
    /// Writes arbitrary bytes to the socket, in order with the frames of other calls, and completes once they
    /// were flushed. Nothing correlates a response: an Error answering them appears on <see cref="Pushes"/>.
    /// </summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_outbound.Writer.TryWrite(new Outbound(OutboundKind.Raw, 0, 0, null, bytes, flushed)))
        {
            throw NewDisconnectedException();
        }

        try
        {
            await flushed.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Nobody awaits the flush any more; observe its eventual failure so it is not reported as unobserved.
            _ = flushed.Task.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Closes the connection. Pending requests fail with <see cref="MmoDisconnectedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Terminate(new DisconnectInfo(DisconnectKind.ClosedLocally, null, "disposed by the application", _lastUnmatchedError, null));
        await _run.ConfigureAwait(false);
        await _heartbeat.ConfigureAwait(false);
        _shutdown.Dispose();
    }

    internal bool ForgetPending(IPendingRequest pending) =>
        _pending.TryRemove(new KeyValuePair<uint, IPendingRequest>(pending.RequestId, pending));

    private static async Task ConnectSocketAsync(Socket socket, string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {host}:{port} took longer than {timeout}");
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var request = new HelloRequest
        {
            ProtocolVersion = _options.ProtocolVersion,
            ClientName = _options.ClientName,
            ClientBuild = _options.ClientBuild,
            ClientPlatform = _options.ClientPlatform,
        };
        var hello = await SendRequestAsync(Opcode.Hello, request, HelloResponse.Parser, cancellationToken).ConfigureAwait(false);
        Hello = hello;

        if (_options.AutomaticHeartbeat)
        {
            // A gateway that announces no heartbeat interval but an idle timeout still needs traffic.
            var interval = _options.HeartbeatInterval
                ?? (hello.HeartbeatIntervalMs > 0 ? TimeSpan.FromMilliseconds(hello.HeartbeatIntervalMs)
                    : hello.IdleTimeoutMs > 0 ? TimeSpan.FromMilliseconds(hello.IdleTimeoutMs / 3.0)
                    : TimeSpan.Zero);
            if (interval > TimeSpan.Zero)
            {
                _heartbeat = HeartbeatLoopAsync(interval);
            }
        }
    }

    private Task<TResponse> Send<TResponse>(
        OutboundKind kind,
        Opcode opcode,
        IMessage? message,
        ReadOnlyMemory<byte> payload,
        MessageParser<TResponse> parser,
        CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResponse>(cancellationToken);
        }

        if (Volatile.Read(ref _disconnectInfo) is not null)
        {
            return Task.FromException<TResponse>(NewDisconnectedException());
        }

        var deadline = _requestTimeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + _requestTimeoutMs;
        var pending = new PendingRequest<TResponse>(this, opcode, parser, deadline);
        if (cancellationToken.CanBeCanceled)
        {
            pending.RegisterCancellation(cancellationToken);
        }

        // Ids only collide after 2^32 requests with one still pending; skip the busy id then.
        uint id;
        do
        {
            id = NextRequestId();
            pending.RequestId = id;
        }
        while (!_pending.TryAdd(id, pending));

        if (pending.Task.IsCompleted)
        {
            // Cancelled between registration and publication: the callback could not remove the entry yet.
            ForgetPending(pending);
            return pending.Task;
        }

        if (!_outbound.Writer.TryWrite(new Outbound(kind, (ushort)opcode, id, message, payload, null)))
        {
            ForgetPending(pending);
            pending.Fail(NewDisconnectedException());
        }
        else if (Volatile.Read(ref _disconnectInfo) is not null && ForgetPending(pending))
        {
            // Terminate swept the table before this entry was added; without this it would wait for its timeout.
            pending.Fail(NewDisconnectedException());
        }

        return pending.Task;
    }

    // Ids start at 1 and wrap, skipping 0, which the protocol reserves for pushes.
    private uint NextRequestId()
    {
        var id = Interlocked.Increment(ref _lastRequestId);
        return id != 0 ? id : Interlocked.Increment(ref _lastRequestId);
    }

    private async Task RunAsync()
    {
        var writing = WriteLoopAsync();
        await _readLoop.ConfigureAwait(false);
        await writing.ConfigureAwait(false);

        // Passing an exception makes the pipe writer return its buffers without writing them to a dead stream.
        await _writer.CompleteAsync(new ObjectDisposedException(nameof(MmoClient))).ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    // The canonical System.IO.Pipelines loop: parse every whole frame in the buffer, then check for the end
    // of the stream, and always AdvanceTo (consumed up to the last whole frame, examined everything).
    private async Task ReadLoopAsync()
    {
        var token = _shutdown.Token;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (IsConnected)
                    {
                        var status = FrameCodec.TryReadFrame(ref buffer, _options.MaxInboundPayloadBytes, out var frame);
                        if (status == FrameReadStatus.Incomplete)
                        {
                            break;
                        }

                        if (status != FrameReadStatus.Complete)
                        {
                            ProtocolError(status == FrameReadStatus.TooLarge
                                ? $"the server sent a frame over {_options.MaxInboundPayloadBytes} bytes"
                                : "the server sent a frame with reserved flags set");
                            return;
                        }

                        var push = Dispatch(frame);
                        if (push is not null && !_pushes.Writer.TryWrite(push))
                        {
                            // Only in FullMode.Wait: stop reading until the application makes room (see the option).
                            await _pushes.Writer.WriteAsync(push, token).ConfigureAwait(false);
                        }
                    }

                    if (!IsConnected)
                    {
                        return;
                    }

                    if (result.IsCompleted)
                    {
                        var detail = buffer.IsEmpty ? "the server closed the connection" : "the server closed the connection mid-frame";
                        Terminate(new DisconnectInfo(DisconnectKind.ClosedByServer, null, detail, _lastUnmatchedError, null));
                        return;
                    }
                }
                finally
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Terminate cancelled the loop and has already recorded why.
        }
        catch (Exception ex)
        {
            // Socket errors mostly; anything else is a bug, still reported through Disconnected, not lost.
            Terminate(new DisconnectInfo(DisconnectKind.TransportError, null, ex.Message, _lastUnmatchedError, ex));
        }
    }

    /// <summary>Handles one frame; returns what goes to the push channel, if anything.</summary>
    private ServerPush? Dispatch(in Frame frame)
    {
        var opcode = frame.Opcode;
        if (opcode == (ushort)Opcode.Error)
        {
            return OnError(frame);
        }

        if (OpcodeExtensions.IsResponse(opcode))
        {
            OnResponse(frame);
            return null;
        }

        if (OpcodeExtensions.IsPush(opcode))
        {
            return OnPush(frame);
        }

        ProtocolError($"the server sent opcode 0x{opcode:X4}, which is not a response, push or error");
        return null;
    }

    private void OnResponse(in Frame frame)
    {
        // No entry: the request timed out or was cancelled, and nobody wants the answer any more.
        if (!_pending.TryRemove(frame.RequestId, out var pending))
        {
            return;
        }

        if (frame.Opcode != pending.RequestOpcode.ResponseOf())
        {
            // Correlation is broken; nothing later on this connection can be trusted.
            var error = new MmoProtocolException(
                $"{pending.RequestOpcode} (request {frame.RequestId}) was answered with opcode 0x{frame.Opcode:X4}");
            pending.Fail(error);
            Terminate(new DisconnectInfo(DisconnectKind.ProtocolError, null, error.Message, _lastUnmatchedError, error));
            return;
        }

        pending.Complete(frame.Payload);
    }

    private ServerPush? OnError(in Frame frame)
    {
        if (!TryParse(ErrorResponse.Parser, frame, out var error))
        {
            return null;
        }

        if (frame.RequestId != 0 && _pending.TryRemove(frame.RequestId, out var pending))
        {
            pending.Fail(new MmoErrorException(pending.RequestOpcode, error));
            return null;
        }

        // Kept for DisconnectInfo: a connection-level error (FRAME_TOO_LARGE, ...) comes just before the close.
        _lastUnmatchedError = error;
        return new ServerPush(Opcode.Error, frame.RequestId, error);
    }

    private ServerPush? OnPush(in Frame frame)
    {
        if (frame.RequestId != 0)
        {
            ProtocolError($"push 0x{frame.Opcode:X4} carries request id {frame.RequestId}; pushes carry 0");
            return null;
        }

        switch ((Opcode)frame.Opcode)
        {
            case Opcode.Disconnect:
                if (TryParse(DisconnectNotice.Parser, frame, out var notice))
                {
                    // Never wait for room here: the connection is over either way and Disconnected carries the notice.
                    _pushes.Writer.TryWrite(new ServerPush(Opcode.Disconnect, 0, notice));
                    Terminate(new DisconnectInfo(DisconnectKind.ServerNotice, notice.Reason, notice.Detail, _lastUnmatchedError, null)
                    {
                        Alternatives = notice.Alternatives,
                    });
                }

                return null;
            case Opcode.WorldUpdate:
                return TryParse(WorldUpdate.Parser, frame, out var update) ? new ServerPush(Opcode.WorldUpdate, 0, update) : null;
            case Opcode.ChatMessage:
                return TryParse(ChatMessage.Parser, frame, out var chat) ? new ServerPush(Opcode.ChatMessage, 0, chat) : null;
            case Opcode.Teleported:
                return TryParse(Teleported.Parser, frame, out var teleported) ? new ServerPush(Opcode.Teleported, 0, teleported) : null;
            case Opcode.QueueUpdate:
                if (!TryParse(QueueUpdate.Parser, frame, out var queued))
                {
                    return null;
                }

                OnQueueUpdate(queued.Status);
                return new ServerPush(Opcode.QueueUpdate, 0, queued);
            default:
                // A push this SDK does not know yet; newer gateways may add pushes, and clients must skip them.
                return null;
        }
    }

    private bool TryParse<T>(MessageParser<T> parser, in Frame frame, out T message)
        where T : IMessage<T>
    {
        try
        {
            message = parser.ParseFrom(frame.Payload);
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            ProtocolError($"frame 0x{frame.Opcode:X4} does not hold a valid {typeof(T).Name}", ex);
            message = default!;
            return false;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var token = _shutdown.Token;
        List<TaskCompletionSource>? flushWaiters = null;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    WriteItem(item);
                    if (item.Flushed is not null)
                    {
                        (flushWaiters ??= []).Add(item.Flushed);
                    }

                    if (_writer.UnflushedBytes >= FlushThresholdBytes)
                    {
                        await FlushAsync(flushWaiters, token).ConfigureAwait(false);
                    }
                }

                await FlushAsync(flushWaiters, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Terminate cancelled the loop and has already recorded why.
        }
        catch (Exception ex)
        {
            // A write fails when the server has closed or reset the connection, usually right after a Disconnect
            // push the read loop has not parsed yet. Give the read loop a moment to report the real reason.
            await Task.WhenAny(_readLoop, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
            Terminate(new DisconnectInfo(DisconnectKind.TransportError, null, ex.Message, _lastUnmatchedError, ex));
        }
        finally
        {
            // Whatever was not flushed never will be. Requests are failed by Terminate; raw sends are failed here.
            var failure = NewDisconnectedException();
            flushWaiters?.ForEach(waiter => waiter.TrySetException(failure));
            while (reader.TryRead(out var item))
            {
                item.Flushed?.TrySetException(failure);
            }
        }
    }

    private async ValueTask FlushAsync(List<TaskCompletionSource>? flushWaiters, CancellationToken token)
    {
        var result = await _writer.FlushAsync(token).ConfigureAwait(false);
        Volatile.Write(ref _lastSendMs, Environment.TickCount64);
        if (flushWaiters is { Count: > 0 })
        {
            foreach (var waiter in flushWaiters)
            {
                waiter.TrySetResult();
            }

            flushWaiters.Clear();
        }

        if (result.IsCompleted)
        {
            throw new IOException("the connection no longer accepts writes");
        }
    }

    private void WriteItem(in Outbound item)
    {
        switch (item.Kind)
        {
            case OutboundKind.Message:
                FrameCodec.WriteFrame(_writer, item.Opcode, item.RequestId, item.Message);
                break;
            case OutboundKind.Payload:
                FrameHeader.Write(_writer.GetSpan(FrameHeader.Size), (uint)item.Bytes.Length, item.Opcode, item.RequestId);
                _writer.Advance(FrameHeader.Size);
                _writer.Write(item.Bytes.Span);
                break;
            case OutboundKind.Raw:
                _writer.Write(item.Bytes.Span);
                break;
        }
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval)
    {
        // Ticking every quarter interval and pinging once three quarters passed without sending keeps every gap
        // between 3/4 and 1 interval, and a connection busy with other requests sends no pings at all.
        var quarter = interval / 4;
        var thresholdMs = (long)(interval - quarter).TotalMilliseconds;
        var token = _shutdown.Token;
        using var timer = new PeriodicTimer(quarter);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (Environment.TickCount64 - Volatile.Read(ref _lastSendMs) < thresholdMs)
                {
                    continue;
                }

                try
                {
                    await PingAsync(cancellationToken: token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MmoErrorException or TimeoutException)
                {
                    // The Ping reached the gateway (RATE_LIMITED still counts as traffic) or the connection is
                    // dead, which the read loop reports; either way the next tick decides again.
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The connection ended.
        }
        catch (MmoDisconnectedException)
        {
            // The connection ended; Disconnected says why.
        }
    }

    private void SweepTimeouts()
    {
        var now = Environment.TickCount64;
        foreach (var (id, pending) in _pending)
        {
            if (now >= pending.DeadlineMs && _pending.TryRemove(new KeyValuePair<uint, IPendingRequest>(id, pending)))
            {
                pending.Fail(new TimeoutException(
                    $"{pending.RequestOpcode} (request {id}) got no response within {_options.RequestTimeout.TotalSeconds:0.###} s"));
            }
        }
    }

    private void ProtocolError(string detail, Exception? inner = null)
    {
        var error = inner is null ? new MmoProtocolException(detail) : new MmoProtocolException(detail, inner);
        Terminate(new DisconnectInfo(DisconnectKind.ProtocolError, null, detail, _lastUnmatchedError, error));
    }

    /// <summary>Ends the connection once; the first caller's reason wins. Safe from any thread.</summary>
    private void Terminate(DisconnectInfo info)
    {
        if (Interlocked.CompareExchange(ref _disconnectInfo, info, null) is not null)
        {
            return;
        }

        _timeoutSweep?.Dispose();
        _outbound.Writer.TryComplete();
        _pushes.Writer.TryComplete();
        _shutdown.Cancel();
        foreach (var (id, pending) in _pending)
        {
            if (_pending.TryRemove(new KeyValuePair<uint, IPendingRequest>(id, pending)))
            {
                pending.Fail(new MmoDisconnectedException(info));
            }
        }

        _disconnected.TrySetResult(info);
    }

    private MmoDisconnectedException NewDisconnectedException() =>
        new(Volatile.Read(ref _disconnectInfo)
            ?? new DisconnectInfo(DisconnectKind.ClosedLocally, null, "the connection is closing", null, null));

    private enum OutboundKind : byte
    {
        /// <summary>A frame whose payload is <see cref="Outbound.Message"/>.</summary>
        Message,
        /// <summary>A frame whose payload is <see cref="Outbound.Bytes"/>, as given.</summary>
        Payload,
        /// <summary><see cref="Outbound.Bytes"/> written as they are, header and all.</summary>
        Raw,
    }

    private readonly record struct Outbound(
        OutboundKind Kind,
        ushort Opcode,
        uint RequestId,
        IMessage? Message,
        ReadOnlyMemory<byte> Bytes,
        TaskCompletionSource? Flushed);
}
