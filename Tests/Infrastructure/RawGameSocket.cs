using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>A bare TCP socket speaking (or abusing) the frame format, for tests of what the gateway does with bad input.</summary>
public sealed class RawGameSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawGameSocket(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public Socket Socket => _socket;

    public static async Task<RawGameSocket> ConnectAsync(int port, IPAddress? localAddress = null, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawGameSocket(socket);
    }

    public static byte[] Frame(Opcode opcode, uint requestId, IMessage? message) => Frame((ushort)opcode, requestId, message);

    public static byte[] Frame(ushort opcode, uint requestId, IMessage? message)
    {
        var bytes = new byte[FrameCodec.FrameSize(message)];
        FrameCodec.WriteFrame(bytes, opcode, requestId, message);
        return bytes;
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    public Task SendFrameAsync(Opcode opcode, uint requestId, IMessage? message) => SendAsync(Frame(opcode, requestId, message));

    /// <summary>Says Hello and expects the HelloResponse.</summary>
    public async Task HelloAsync()
    {
        await SendFrameAsync(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current, ClientName = "raw" });
        var frame = await ReadFrameAsync() ?? throw new InvalidOperationException("closed during Hello");
        if (frame.Opcode != Opcode.Hello.ResponseOf())
        {
            throw new InvalidOperationException($"expected a Hello response, got 0x{frame.Opcode:X4}");
        }
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The next frame, or null when the gateway closed the connection.</summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Await.Default);
        var header = new byte[FrameHeader.Size];
        if (!await ReadExactlyAsync(header, cts.Token))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        var payload = new byte[length];
        if (!await ReadExactlyAsync(payload, cts.Token))
        {
            return null;
        }

        return new RawFrame(BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)), BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)), payload);
    }

    /// <summary>Every frame until the gateway closes the connection; fails if it does not close in time.</summary>
    public async Task<List<RawFrame>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Await.Default);
        var frames = new List<RawFrame>();
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException("the gateway did not close the connection");
            }

            RawFrame? frame;
            try
            {
                frame = await ReadFrameAsync(remaining);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("the gateway did not close the connection");
            }

            if (frame is null)
            {
                return frames;
            }

            frames.Add(frame);
        }
    }

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer[read..], cancellationToken);
            }
            catch (IOException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}

public sealed record RawFrame(ushort Opcode, uint RequestId, byte[] Payload)
{
    public bool IsError => Opcode == (ushort)OrleansMmo.Protocol.Opcode.Error;

    public ErrorCode ErrorCode => IsError ? ErrorResponse.Parser.ParseFrom(Payload).Code : ErrorCode.Unspecified;

    public DisconnectReason? DisconnectReason =>
        Opcode == (ushort)OrleansMmo.Protocol.Opcode.Disconnect ? DisconnectNotice.Parser.ParseFrom(Payload).Reason : null;
}
