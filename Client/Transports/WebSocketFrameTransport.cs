using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using OrleansMmo.Protocol;

namespace OrleansMmo.Client.Transports;

/// <summary>
/// Frames over a WebSocket (<c>ws://host:7002/ws</c>): each binary message carries one or more whole frames
/// (docs/protocol.md, "WebSocket"). What the frame connection flushes is sent as messages of at most
/// <see cref="MmoClientOptions.WebSocketMaxMessageBytes"/>, cut between frames; what arrives is read as one
/// byte stream, since frames never span messages anyway.
/// </summary>
public sealed class WebSocketFrameTransport : IFrameTransport
{
    private readonly ClientWebSocket _socket;
    private readonly int _maxMessageBytes;
    private readonly Pipe _input = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(useSynchronizationContext: false));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly Task _sending;

    private WebSocketFrameTransport(ClientWebSocket socket, Uri uri, int maxMessageBytes)
    {
        _socket = socket;
        _maxMessageBytes = maxMessageBytes;
        Uri = uri;
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output.Writer;

    /// <summary>Unknown: the WebSocket client does not say which address it reached.</summary>
    public EndPoint? RemoteEndPoint => null;

    /// <summary>The endpoint this transport connected to.</summary>
    public Uri Uri { get; }

    /// <summary>
    /// Opens a WebSocket to <paramref name="uri"/> (<c>ws://</c> or <c>wss://</c>). A connect that takes longer than
    /// <paramref name="timeout"/> throws <see cref="TimeoutException"/>; <paramref name="configure"/> may set headers,
    /// certificates or a proxy.
    /// </summary>
    public static async Task<WebSocketFrameTransport> ConnectAsync(
        Uri uri,
        int maxMessageBytes,
        TimeSpan timeout,
        Action<ClientWebSocketOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, FrameHeader.Size);
        var socket = new ClientWebSocket();
        try
        {
            configure?.Invoke(socket.Options);
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(uri, timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {uri} took longer than {timeout}");
            }

            return new WebSocketFrameTransport(socket, uri, maxMessageBytes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A server that stopped reading must not hold this up: sends give up after a moment.
        _stop.CancelAfter(TimeSpan.FromSeconds(2));
        // Normally done already by the frame connection; the send loop then says goodbye with a close frame.
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        _stop.Cancel();
        _socket.Abort();
        await _receiving.ConfigureAwait(false);
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? failure = null;
        try
        {
            while (true)
            {
#if NET
                // Waits for data without holding a buffer, so an idle connection costs none.
                var next = await _socket.ReceiveAsync(Memory<byte>.Empty, _stop.Token).ConfigureAwait(false);
                if (next.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
#endif
                var received = await _socket.ReceiveAsync(writer.GetMemory(4096), _stop.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (received.MessageType == WebSocketMessageType.Text)
                {
                    throw new MmoProtocolException("the server sent a text message; the protocol is binary messages of frames");
                }

                writer.Advance(received.Count);
                var flush = await writer.FlushAsync(_stop.Token).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the frame connection has stopped reading.
        }
        catch (Exception ex) when (ex is WebSocketException or MmoProtocolException or IOException or ObjectDisposedException)
        {
            failure = ex;
        }

        // The frame connection's read loop sees the end (or the failure) and reports it.
        await writer.CompleteAsync(failure).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // The frame connection ended and completed its output with this on purpose (nothing more to send).
                    break;
                }

                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    var message = buffer.Slice(0, MessageLength(buffer));
                    await SendMessageAsync(message).ConfigureAwait(false);
                    buffer = buffer.Slice(message.End);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            failure = ex;
        }

        await reader.CompleteAsync(failure).ConfigureAwait(false);
    }

    /// <summary>How much of <paramref name="buffer"/> goes into the next message: whole frames, as many as fit in
    /// the limit, at least one. Bytes that are not whole frames (a test's raw bytes) go as they are.</summary>
    private long MessageLength(ReadOnlySequence<byte> buffer)
    {
        long length = 0;
        var rest = buffer;
        while (FrameCodec.TryReadFrame(ref rest, int.MaxValue, out _) == FrameReadStatus.Complete)
        {
            var next = buffer.Length - rest.Length;
            if (next > _maxMessageBytes && length > 0)
            {
                return length;
            }

            length = next;
        }

        return rest.IsEmpty ? length : buffer.Length;
    }

    private async Task SendMessageAsync(ReadOnlySequence<byte> message)
    {
        if (message.IsSingleSegment)
        {
            await _socket.SendAsync(message.First, WebSocketMessageType.Binary, endOfMessage: true, _stop.Token).ConfigureAwait(false);
            return;
        }

        // One message in several fragments, one per buffer segment.
        var position = message.Start;
        var more = message.TryGet(ref position, out var segment);
        while (more)
        {
            var current = segment;
            more = message.TryGet(ref position, out segment);
            await _socket.SendAsync(current, WebSocketMessageType.Binary, endOfMessage: !more, _stop.Token).ConfigureAwait(false);
        }
    }
}
