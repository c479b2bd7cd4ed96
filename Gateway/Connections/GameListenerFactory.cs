using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Connections;

/// <summary>The game port's address when floods are refused at accept: Kestrel binds it with <see cref="GameListenerFactory"/>.</summary>
public sealed class GameListenEndPoint(IPAddress address, int port) : IPEndPoint(address, port);

/// <summary>
/// Kestrel's socket transport for the game port with one step added at accept: a connection from an address over its
/// limits (<see cref="ConnectionAdmission.RefusalFor"/>) is sent its Disconnect TOO_MANY_CONNECTIONS and closed right
/// in the accept loop, before Kestrel builds a connection (pipes, an epoll registration, a receive, its middleware) and
/// the gateway a session, so a flood's refused connections cost an accept, a send and a close each, and no work on the
/// thread pool the players' requests run on. What it lets through is a Kestrel connection as any other, admitted by
/// its session (<see cref="SessionHost"/>), as are a trusted balancer's connections (the client's address comes later,
/// in the PROXY header). Not used with TLS, where the notice must follow a handshake (<see cref="GatewayOptions.RefuseFloodsAtAccept"/>).
/// </summary>
public sealed class GameListenerFactory(
    ConnectionAdmission admission,
    SessionRegistry sessions,
    GatewayDrain drain,
    ProxyProtocolMiddleware proxyProtocol,
    GatewayMetrics metrics,
    IOptions<SocketTransportOptions> socketOptions,
    ILogger<GameListenerFactory> logger) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // What a refused client sent (a Hello) is read off before its socket is closed, up to this much.
    private const int MaxDrainBytes = 4096;

    // Refused sockets waiting for their close; past this many (a flood faster than a second's worth) they close at once.
    private const int MaxLingering = 4096;

    private readonly SocketTransportOptions _sockets = socketOptions.Value;
    private readonly ConcurrentDictionary<string, byte[]> _notices = new();

    public bool CanBind(EndPoint endpoint) => endpoint is GameListenEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not GameListenEndPoint)
        {
            throw new NotSupportedException($"{endpoint} is not the game port");
        }

        var socket = _sockets.CreateBoundListenSocket(endpoint);
        try
        {
            socket.Listen(_sockets.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var bound = (IPEndPoint)socket.LocalEndPoint!;
        var connections = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            IOQueueCount = _sockets.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = _sockets.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = _sockets.MaxReadBufferSize,
            MaxWriteBufferSize = _sockets.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = _sockets.UnsafePreferInlineScheduling,
        }, logger);
        return ValueTask.FromResult<IConnectionListener>(new Listener(this, socket, connections, new GameListenEndPoint(bound.Address, bound.Port)));
    }

    /// <summary>
    /// Refuses <paramref name="socket"/> when its address is over its limits: the notice is sent and the sending side
    /// shut; true when it was, and the socket is then the caller's to close.
    /// </summary>
    private bool RefusedAtAccept(Socket socket)
    {
        // Draining or stopping, every connection is answered by the session (a redirect, a shutdown notice); a trusted
        // balancer's connection is its client's, whose address comes in the PROXY header.
        if (sessions.IsShuttingDown || drain.IsDraining || socket.RemoteEndPoint is not IPEndPoint remote || proxyProtocol.IsTrusted(remote.Address))
        {
            return false;
        }

        var address = remote.Address.ToString();
        if (admission.RefusalFor(address) is not { } refused)
        {
            return false;
        }

        metrics.ConnectionOpened();
        ConnectionAdmission.LogRefused(logger, sessions.NextConnectionId(), address, refused);
        try
        {
            // A fresh socket's send buffer takes the few bytes at once: never blocks the accept loop.
            socket.Blocking = false;
            var notice = NoticeFor(refused.Why);
            socket.Send(notice);
            metrics.FrameSent(notice.Length);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Gone already: closed without the notice.
        }

        metrics.Disconnected(DisconnectReason.TooManyConnections);
        return true;
    }

    /// <summary>The Disconnect frame for a refusal, the same bytes a session sends for it; encoded once per reason.</summary>
    private byte[] NoticeFor(string why) => _notices.GetOrAdd(why, static why =>
    {
        var notice = new DisconnectNotice { Reason = DisconnectReason.TooManyConnections, Detail = why };
        var frame = new byte[FrameCodec.FrameSize(notice)];
        FrameCodec.WriteFrame(frame, (ushort)Opcode.Disconnect, 0, notice);
        return frame;
    });

    /// <summary>
    /// The accept loop of Kestrel's socket listener, with the refusal in it. A refused socket is closed a moment after
    /// its notice, not at once: a client that spoke right after connecting (its Hello on the way) would otherwise be
    /// reset, and a reset can cost it the notice it had not read yet.
    /// </summary>
    private sealed class Listener : IConnectionListener
    {
        private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

        private readonly GameListenerFactory _owner;
        private readonly Socket _socket;
        private readonly SocketConnectionContextFactory _connections;
        private readonly ConcurrentQueue<(Socket Socket, long Due)> _lingering = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly Task _closer;
        private int _lingeringCount;

        public Listener(GameListenerFactory owner, Socket socket, SocketConnectionContextFactory connections, EndPoint endPoint)
        {
            _owner = owner;
            _socket = socket;
            _connections = connections;
            EndPoint = endPoint;
            _closer = CloseLingeringAsync();
        }

        public EndPoint EndPoint { get; }

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await _socket.AcceptAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException
                    || ex is SocketException { SocketErrorCode: SocketError.OperationAborted })
                {
                    return null; // unbound
                }
                catch (SocketException)
                {
                    continue; // reset while it waited in the backlog
                }

                if (_owner.RefusedAtAccept(accepted))
                {
                    CloseSoon(accepted);
                    continue;
                }

                accepted.NoDelay = _owner._sockets.NoDelay;
                return _connections.Create(accepted);
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Dispose();
            _stopping.Cancel();
            await _closer;
            _connections.Dispose();
            _stopping.Dispose();
        }

        private void CloseSoon(Socket socket)
        {
            if (Interlocked.Increment(ref _lingeringCount) > MaxLingering || _stopping.IsCancellationRequested)
            {
                Interlocked.Decrement(ref _lingeringCount);
                Close(socket);
                return;
            }

            _lingering.Enqueue((socket, Stopwatch.GetTimestamp() + (long)(Linger.TotalSeconds * Stopwatch.Frequency)));
            if (_closer.IsCompleted)
            {
                CloseAllLingering(); // accepted as the listener was disposed, after the closer's last sweep
            }
        }

        /// <summary>Closes the lingering sockets as they fall due (in order: they all linger alike), and all of them at the end.</summary>
        private async Task CloseLingeringAsync()
        {
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try
            {
                while (await tick.WaitForNextTickAsync(_stopping.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    while (_lingering.TryPeek(out var next) && next.Due <= now && _lingering.TryDequeue(out next))
                    {
                        Interlocked.Decrement(ref _lingeringCount);
                        Close(next.Socket);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            CloseAllLingering();
        }

        private void CloseAllLingering()
        {
            while (_lingering.TryDequeue(out var left))
            {
                Close(left.Socket);
            }
        }

        /// <summary>Reads off what the client sent (closing over unread bytes resets the connection), then closes.</summary>
        private static void Close(Socket socket)
        {
            try
            {
                Span<byte> unread = stackalloc byte[512];
                for (var drained = 0; drained < MaxDrainBytes && socket.Available > 0;)
                {
                    drained += socket.Receive(unread);
                }
            }
            catch (SocketException)
            {
            }
            finally
            {
                socket.Dispose();
            }
        }
    }
}
