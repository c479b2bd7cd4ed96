using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OrleansMmo.Gateway.Firefly;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>A Firefly client's socket: JSON commands framed the Firefly way, answers and pushes read back.</summary>
public sealed class FireflySocket : IAsyncDisposable
{
    public static readonly FireflyFormat Format = new("N%&0"u8.ToArray(), 9, 0, 1024 * 1024);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _pending = [];

    private FireflySocket(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<FireflySocket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new FireflySocket(socket);
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public Task SendAsync(uint command, object body)
    {
        var writer = new ArrayBufferWriter<byte>();
        FireflyCodec.Write(writer, Format, command, JsonSerializer.SerializeToUtf8Bytes(body));
        return SendRawAsync(writer.WrittenSpan.ToArray());
    }

    /// <summary>Sends a command and reads packets until its answer (the first packet with the same command id).</summary>
    public async Task<JsonElement> CallAsync(uint command, object body, List<(uint Command, JsonElement Body)>? pushes = null)
    {
        await SendAsync(command, body);
        while (true)
        {
            var packet = await ReadAsync() ?? throw new InvalidOperationException($"the door closed before answering {command}");
            if (packet.Command == command)
            {
                return packet.Body;
            }

            pushes?.Add(packet);
        }
    }

    /// <summary>The next packet, or null when the door closed the connection.</summary>
    public async Task<(uint Command, JsonElement Body)?> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Await.Default);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_pending);
            var status = FireflyCodec.TryRead(ref sequence, Format, out var packet);
            if (status == FireflyReadStatus.Complete)
            {
                var body = JsonDocument.Parse(packet.Body.ToArray()).RootElement.Clone();
                _pending = sequence.ToArray();
                return (packet.Command, body);
            }

            if (status != FireflyReadStatus.Incomplete)
            {
                throw new InvalidOperationException($"the door sent a packet the codec refuses: {status}");
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                return null;
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no packet within {(timeout ?? Await.Default).TotalSeconds:0} s");
            }

            if (read == 0)
            {
                return null;
            }

            _pending = [.. _pending, .. buffer.AsSpan(0, read)];
        }
    }

    /// <summary>Reads packets until one satisfies <paramref name="condition"/>; fails if the door closes first.</summary>
    public async Task<(uint Command, JsonElement Body)> ReadUntilAsync(Func<(uint Command, JsonElement Body), bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Await.Default;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var packet = left > TimeSpan.Zero ? await ReadAsync(left) : throw new TimeoutException($"timed out waiting for {what}");
            if (packet is null)
            {
                throw new InvalidOperationException($"the door closed while waiting for {what}");
            }

            if (condition(packet.Value))
            {
                return packet.Value;
            }
        }
    }

    public static string Text(JsonElement body) => body.GetRawText();

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
