using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace OrleansMmo.Client.Transports;

/// <summary>Frames over one TCP connection: the stream is the frames, back to back (docs/protocol.md).</summary>
public sealed class TcpFrameTransport : IFrameTransport
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    private TcpFrameTransport(Socket socket, Stream stream)
    {
        _socket = socket;
        RemoteEndPoint = socket.RemoteEndPoint;
        _stream = stream;
        // Zero-byte reads: an idle connection holds no receive buffer, which matters for a bot running thousands.
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Plain TCP: <see cref="ConnectAsync(string, int, IPAddress?, MmoClientTls?, TimeSpan, CancellationToken)"/> without TLS.</summary>
    public static Task<TcpFrameTransport> ConnectAsync(string host, int port, IPAddress? localAddress, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ConnectAsync(host, port, localAddress, null, timeout, cancellationToken);

    /// <summary>
    /// Opens a TCP connection (Nagle off) to <paramref name="host"/>:<paramref name="port"/>, from
    /// <paramref name="localAddress"/> when given. A connect that takes longer than <paramref name="timeout"/>
    /// throws <see cref="TimeoutException"/>. With <paramref name="tls"/>, the frames run inside TLS (the gateway's
    /// <c>Gateway:Tls</c>); the handshake is bounded by the same timeout, and a certificate the client does not
    /// trust fails it with <see cref="System.Security.Authentication.AuthenticationException"/>.
    /// </summary>
    public static async Task<TcpFrameTransport> ConnectAsync(
        string host,
        int port,
        IPAddress? localAddress,
        MmoClientTls? tls,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var socket = localAddress is not null
            ? new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localAddress is not null)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await ConnectSocketAsync(socket, host, port, timeout, cancellationToken).ConfigureAwait(false);
            var network = new NetworkStream(socket, ownsSocket: false);
            if (tls is null)
            {
                return new TcpFrameTransport(socket, network);
            }

            var secure = new SslStream(network, leaveInnerStreamOpen: false, tls.Validate);
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(timeout);
                await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = tls.TargetHost ?? host }, handshake.Token).ConfigureAwait(false);
            }
            catch
            {
                await secure.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return new TcpFrameTransport(socket, secure);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    private static async Task ConnectSocketAsync(Socket socket, string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
#if NET
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
#else
            // .NET Standard 2.1 has no cancellable connect: closing the socket is what ends a pending one.
            using (timeoutSource.Token.Register(static state => ((Socket)state!).Dispose(), socket))
            {
                try
                {
                    await socket.ConnectAsync(host, port).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ObjectDisposedException or SocketException && timeoutSource.IsCancellationRequested)
                {
                    throw new OperationCanceledException(timeoutSource.Token);
                }
            }
#endif
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {host}:{port} took longer than {timeout}");
        }
    }
}
