using System.Buffers;
using System.Net.WebSockets;
using OrleansMmo.Protocol;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>A bare WebSocket speaking (or abusing) the game protocol, for tests of what the gateway does with bad messages.</summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    private RawWebSocket(ClientWebSocket socket) => _socket = socket;

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public static async Task<RawWebSocket> ConnectAsync(Uri uri, string? origin = null)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        try
        {
            using var timeout = new CancellationTokenSource(Await.Default);
            await socket.ConnectAsync(uri, timeout.Token);
            return new RawWebSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One binary message with exactly these bytes.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).AsTask();

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async Task HelloAsync()
    {
        await SendAsync(RawGameSocket.Frame(Opcode.Hello, 1, new OrleansMmo.Protocol.Messages.HelloRequest { ProtocolVersion = ProtocolVersion.Current, ClientName = "raw-ws" }));
        var frames = await ReadFramesAsync(1);
        if (frames.Count != 1 || frames[0].Opcode != Opcode.Hello.ResponseOf())
        {
            throw new InvalidOperationException("expected a Hello response");
        }
    }

    /// <summary>Reads messages until <paramref name="count"/> frames arrived or the gateway closed; returns the frames.</summary>
    public async Task<List<RawFrame>> ReadFramesAsync(int count = int.MaxValue, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Await.Default);
        var frames = new List<RawFrame>();
        var pending = new ArrayBufferWriter<byte>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (frames.Count < count)
            {
                var received = await _socket.ReceiveAsync(buffer, deadline.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                pending.Write(buffer.AsSpan(0, received.Count));
                var sequence = new ReadOnlySequence<byte>(pending.WrittenMemory);
                while (FrameCodec.TryReadFrame(ref sequence, int.MaxValue, out var frame) == FrameReadStatus.Complete)
                {
                    frames.Add(new RawFrame(frame.Opcode, frame.RequestId, frame.Payload.ToArray()));
                }

                var rest = sequence.ToArray();
                pending.Clear();
                pending.Write(rest);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"got {frames.Count} frames; the gateway neither sent more nor closed");
        }
        catch (WebSocketException) when (_socket.State is WebSocketState.Aborted or WebSocketState.Closed)
        {
            // Cut without a close handshake: the frames so far are what arrived.
        }

        return frames;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await Task.CompletedTask;
    }
}
