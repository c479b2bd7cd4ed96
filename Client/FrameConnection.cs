using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansMmo.Client.Transports;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>
/// Frames over one <see cref="IFrameTransport"/>: request ids and their answers, pushes, timeouts and
/// the end of the connection. Knows nothing of what the messages mean (that is <see cref="MmoClient"/>'s
/// business) nor of what carries the bytes (that is the transport's). Thread-safe: any number of
/// requests may be in flight at once.
/// <para>
/// Two loops own the transport: a read loop that parses frames and completes requests by request id,
/// and a write loop that is the only writer (callers queue frames; the loop writes everything queued,
/// then flushes once, so concurrent requests share syscalls and, over WebSocket, messages). Requests
/// time out through one sweep timer per connection rather than a timer per request.
/// </para>
/// Always dispose the connection: its timer keeps it alive until then.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    // Frames are flushed early once this much is buffered, so one burst cannot grow the buffer without bound.
    private const int FlushThresholdBytes = 64 * 1024;

    private readonly IFrameTransport _transport;
    private readonly MmoClientOptions _options;
    private readonly long _requestTimeoutMs;
    private readonly ConcurrentDictionary<uint, IPendingRequest> _pending = new();
    private readonly Channel<Outbound> _outbound;
    private readonly Channel<ServerPush> _pushes;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationToken _closing;
    private readonly TaskCompletionSource<DisconnectInfo> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _timeoutSweep;
    private readonly Task _readLoop;
    private readonly Task _run;
    // Interlocked has no uint overloads on .NET Standard 2.1; the bits are the same, and both wrap.
    private int _lastRequestId;
    private long _lastSendMs;
    // Set once, by Terminate; non-null means the connection is over.
    private DisconnectInfo? _disconnectInfo;
    private volatile ErrorResponse? _lastUnmatchedError;

    /// <summary>Raised on the read loop for every QueueUpdate push (before it is queued in <see cref="Pushes"/>): keep the handler short.</summary>
    public event Action<QueueStatus>? QueueUpdated;

    /// <summary>Starts reading and writing <paramref name="transport"/>, which the connection owns from now on.</summary>
    public FrameConnection(IFrameTransport transport, MmoClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _transport = transport;
        _options = options;
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
            _timeoutSweep = new Timer(static state => ((FrameConnection)state!).SweepTimeouts(), this, period, period);
        }

        _closing = _shutdown.Token;
        _lastSendMs = MonotonicClock.Milliseconds;
        _readLoop = ReadLoopAsync();
        _run = RunAsync();
    }

    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    public bool IsConnected => Volatile.Read(ref _disconnectInfo) is null;

    /// <summary>Requests sent and not yet answered, failed or timed out.</summary>
    public int PendingRequestCount => _pending.Count;

    /// <summary>Completes once, when the connection ends, with why. Never faults.</summary>
    public Task<DisconnectInfo> Disconnected => _disconnected.Task;

    /// <summary>Cancelled when the connection ends, whoever ends it: for loops that live as long as the connection.</summary>
    public CancellationToken Closing => _closing;

    /// <summary>Why the connection ended, or null while it is open.</summary>
    public DisconnectInfo? DisconnectInfo => Volatile.Read(ref _disconnectInfo);

    /// <summary>Server pushes and unmatched errors, in arrival order. Completes when the connection ends;
    /// what was queued before stays readable.</summary>
    public ChannelReader<ServerPush> Pushes => _pushes.Reader;

    /// <summary>Milliseconds since the last flush toward the server (a heartbeat sends only when this grows).</summary>
    public long MillisecondsSinceLastSend => MonotonicClock.Milliseconds - Volatile.Read(ref _lastSendMs);

    /// <summary>
    /// Sends one request and awaits its response. The response must carry <c>opcode | 0x8000</c>; an Error
    /// frame throws <see cref="MmoErrorException"/>. No checks on the opcode or size: abuse tests rely on
    /// sending what a well-behaved client would not.
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
    /// Writes arbitrary bytes, in order with the frames of other calls, and completes once they were
    /// flushed. Nothing correlates a response: an Error answering them appears on <see cref="Pushes"/>.
    /// </summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
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
        _shutdown.Dispose();
    }

    /// <summary>Ends the connection with <see cref="DisconnectKind.ClosedLocally"/> and <paramref name="detail"/>, without waiting.</summary>
    public void Close(string detail) =>
        Terminate(new DisconnectInfo(DisconnectKind.ClosedLocally, null, detail, _lastUnmatchedError, null));

    internal bool ForgetPending(IPendingRequest pending) => _pending.TryRemoveExact(pending.RequestId, pending);

    internal MmoDisconnectedException NewDisconnectedException() =>
        new(Volatile.Read(ref _disconnectInfo)
            ?? new DisconnectInfo(DisconnectKind.ClosedLocally, null, "the connection is closing", null, null));

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

        var deadline = _requestTimeoutMs < 0 ? long.MaxValue : MonotonicClock.Milliseconds + _requestTimeoutMs;
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
        var id = unchecked((uint)Interlocked.Increment(ref _lastRequestId));
        return id != 0 ? id : unchecked((uint)Interlocked.Increment(ref _lastRequestId));
    }

    private async Task RunAsync()
    {
        var writing = WriteLoopAsync();
        await _readLoop.ConfigureAwait(false);
        await writing.ConfigureAwait(false);

        // Passing an exception makes the pipe writer return its buffers without writing them to a dead carrier.
        await _transport.Output.CompleteAsync(new ObjectDisposedException(nameof(FrameConnection))).ConfigureAwait(false);
        await _transport.Input.CompleteAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    // The canonical System.IO.Pipelines loop: parse every whole frame in the buffer, then check for the end
    // of the stream, and always AdvanceTo (consumed up to the last whole frame, examined everything).
    private async Task ReadLoopAsync()
    {
        var token = _shutdown.Token;
        var input = _transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(token).ConfigureAwait(false);
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
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Terminate cancelled the loop and has already recorded why.
        }
        catch (Exception ex)
        {
            // Transport errors mostly; anything else is a bug, still reported through Disconnected, not lost.
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

                // Told at once, on the read loop, so a client waiting its turn needs no reader of the pushes.
                QueueUpdated?.Invoke(queued.Status);
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
        var writer = _transport.Output;
        var token = _shutdown.Token;
        List<TaskCompletionSource<bool>>? flushWaiters = null;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    WriteItem(writer, item);
                    if (item.Flushed is not null)
                    {
                        (flushWaiters ??= []).Add(item.Flushed);
                    }

                    if (writer.UnflushedBytes >= FlushThresholdBytes)
                    {
                        await FlushAsync(writer, flushWaiters, token).ConfigureAwait(false);
                    }
                }

                await FlushAsync(writer, flushWaiters, token).ConfigureAwait(false);
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

    private async ValueTask FlushAsync(System.IO.Pipelines.PipeWriter writer, List<TaskCompletionSource<bool>>? flushWaiters, CancellationToken token)
    {
        var result = await writer.FlushAsync(token).ConfigureAwait(false);
        Volatile.Write(ref _lastSendMs, MonotonicClock.Milliseconds);
        if (flushWaiters is { Count: > 0 })
        {
            foreach (var waiter in flushWaiters)
            {
                waiter.TrySetResult(true);
            }

            flushWaiters.Clear();
        }

        if (result.IsCompleted)
        {
            throw new IOException("the connection no longer accepts writes");
        }
    }

    private static void WriteItem(System.IO.Pipelines.PipeWriter writer, in Outbound item)
    {
        switch (item.Kind)
        {
            case OutboundKind.Message:
                FrameCodec.WriteFrame(writer, item.Opcode, item.RequestId, item.Message);
                break;
            case OutboundKind.Payload:
                FrameHeader.Write(writer.GetSpan(FrameHeader.Size), (uint)item.Bytes.Length, item.Opcode, item.RequestId);
                writer.Advance(FrameHeader.Size);
                writer.Write(item.Bytes.Span);
                break;
            case OutboundKind.Raw:
                writer.Write(item.Bytes.Span);
                break;
        }
    }

    private void SweepTimeouts()
    {
        var now = MonotonicClock.Milliseconds;
        foreach (var entry in _pending)
        {
            var (id, pending) = (entry.Key, entry.Value);
            if (now >= pending.DeadlineMs && _pending.TryRemoveExact(id, pending))
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
        foreach (var entry in _pending)
        {
            if (_pending.TryRemoveExact(entry.Key, entry.Value))
            {
                entry.Value.Fail(new MmoDisconnectedException(info));
            }
        }

        _disconnected.TrySetResult(info);
    }

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
        TaskCompletionSource<bool>? Flushed);
}
