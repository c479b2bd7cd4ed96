using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using OrleansMmo.Client.Transports;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>
/// A game client: one typed method per request of docs/protocol.md, the session it holds (account,
/// ticket, gateways), the heartbeat, and pushes. Everything on the wire is done by its
/// <see cref="FrameConnection"/>, over whichever <see cref="IFrameTransport"/> it was connected with.
/// Thread-safe: any number of requests may be in flight at once.
/// <para>
/// In a game engine whose objects may be touched only from the main thread (Unity), call
/// <see cref="DispatchPushes"/> from the game loop: it raises the push events on that thread. Awaiting a
/// request from a MonoBehaviour resumes on the main thread too (Unity's synchronization context).
/// </para>
/// Always dispose the client: its timers keep it alive until then.
/// </summary>
public sealed partial class MmoClient : IAsyncDisposable
{
    private readonly MmoClientOptions _options;
    private Task _heartbeat = Task.CompletedTask;
    private volatile SessionTicket? _currentTicket;
    private volatile string? _accountId;
    private volatile IReadOnlyList<GatewayAddress> _knownGateways = [];
    private Uri? _endpoint;

    private MmoClient(FrameConnection connection, MmoClientOptions options)
    {
        Connection = connection;
        _options = options;
        connection.QueueUpdated += OnQueueUpdate;
    }

    /// <summary>The frame connection under this client: raw requests, pushes, the end of the connection.</summary>
    public FrameConnection Connection { get; }

    /// <summary>The gateway's Hello response: protocol version, gateway id, heartbeat interval and limits.
    /// Null only with <see cref="MmoClientOptions.SkipHandshake"/>.</summary>
    public HelloResponse? Hello { get; private set; }

    /// <summary>The newest ticket the server issued on this connection (Login, ResumeSession, RenewTicket).
    /// Tickets are single use: resume with it on a new connection after this one is lost.</summary>
    public SessionTicket? CurrentTicket => _currentTicket;

    /// <summary>The account this connection is logged in to, or null.</summary>
    public string? AccountId => _accountId;

    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;

    /// <summary>The host this client was asked to connect to (a gateway, or the load balancer).</summary>
    public string Host { get; private init; } = "";

    /// <summary>The port this client was asked to connect to.</summary>
    public int Port { get; private init; }

    /// <summary>What this client connected to, as a URI: <c>tcp://host:port</c>, or the <c>ws://</c> endpoint.</summary>
    public Uri Endpoint
    {
        get => _endpoint ?? new UriBuilder("tcp", Host.Length > 0 ? Host : "localhost", Port).Uri;
        private set => _endpoint = value;
    }

    public bool IsConnected => Connection.IsConnected;

    /// <summary>Requests sent and not yet answered, failed or timed out.</summary>
    public int PendingRequestCount => Connection.PendingRequestCount;

    /// <summary>Completes once, when the connection ends, with why. Never faults.</summary>
    public Task<DisconnectInfo> Disconnected => Connection.Disconnected;

    /// <summary>Server pushes and unmatched errors, in arrival order. Completes when the connection ends;
    /// what was queued before stays readable. Read them here or through <see cref="DispatchPushes"/>, not both.</summary>
    public ChannelReader<ServerPush> Pushes => Connection.Pushes;

    public IAsyncEnumerable<ServerPush> ReadPushesAsync(CancellationToken cancellationToken = default) =>
        Connection.Pushes.ReadAllAsync(cancellationToken);

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
        var transport = await TcpFrameTransport.ConnectAsync(host, port, options.LocalAddress, options.Tls, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        return await StartAsync(transport, options, host, port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/>: <c>ws://host:7002/ws</c> or <c>wss://…</c> over WebSocket,
    /// <c>tcp://host:7000</c> over TCP; then as <see cref="ConnectAsync(string, int, MmoClientOptions?, CancellationToken)"/>.
    /// </summary>
    public static async Task<MmoClient> ConnectAsync(
        Uri endpoint,
        MmoClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme == "tcp")
        {
            return await ConnectAsync(endpoint.Host, endpoint.Port, options, cancellationToken).ConfigureAwait(false);
        }

        if (endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException($"unsupported scheme '{endpoint.Scheme}': use ws://, wss:// or tcp://", nameof(endpoint));
        }

        options ??= new MmoClientOptions();
        options.Validate();
        var transport = await WebSocketFrameTransport.ConnectAsync(
            endpoint, options.WebSocketMaxMessageBytes, options.ConnectTimeout, options.ConfigureWebSocket, cancellationToken).ConfigureAwait(false);
        var client = await StartAsync(transport, options, endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
        client.Endpoint = endpoint;
        return client;
    }

    /// <summary>
    /// Runs a client over a transport the caller opened (any <see cref="IFrameTransport"/>), which it owns from
    /// now on, and performs the handshake unless <see cref="MmoClientOptions.SkipHandshake"/> is set.
    /// </summary>
    public static Task<MmoClient> ConnectAsync(
        IFrameTransport transport,
        MmoClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new MmoClientOptions();
        options.Validate();
        var endpoint = transport.RemoteEndPoint as IPEndPoint;
        return StartAsync(transport, options, endpoint?.Address.ToString() ?? "", endpoint?.Port ?? 0, cancellationToken);
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
        where TResponse : IMessage<TResponse> =>
        Connection.SendRequestAsync(opcode, request, parser, cancellationToken);

    /// <inheritdoc cref="FrameConnection.SendRequestAsync{TResponse}(Opcode, ReadOnlyMemory{byte}, MessageParser{TResponse}, CancellationToken)"/>
    public Task<TResponse> SendRequestAsync<TResponse>(
        Opcode opcode,
        ReadOnlyMemory<byte> payload,
        MessageParser<TResponse> parser,
        CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse> =>
        Connection.SendRequestAsync(opcode, payload, parser, cancellationToken);

    /// <inheritdoc cref="FrameConnection.SendRawAsync"/>
    public Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        Connection.SendRawAsync(bytes, cancellationToken);

    /// <summary>Closes the connection. Pending requests fail with <see cref="MmoDisconnectedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        await _heartbeat.ConfigureAwait(false);
    }

    private static async Task<MmoClient> StartAsync(IFrameTransport transport, MmoClientOptions options, string host, int port, CancellationToken cancellationToken)
    {
        FrameConnection connection;
        try
        {
            connection = new FrameConnection(transport, options);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var client = new MmoClient(connection, options) { Host = host, Port = port };
        var succeeded = false;
        try
        {
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
                await client.DisposeAsync().ConfigureAwait(false);
            }
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

    private async Task HeartbeatLoopAsync(TimeSpan interval)
    {
        // Ticking every quarter interval and pinging once three quarters passed without sending keeps every gap
        // between 3/4 and 1 interval, and a connection busy with other requests sends no pings at all.
        var quarter = TimeSpan.FromTicks(interval.Ticks / 4);
        var thresholdMs = (long)(interval - quarter).TotalMilliseconds;
        var token = Connection.Closing;
        try
        {
            while (true)
            {
                await Task.Delay(quarter, token).ConfigureAwait(false);
                if (Connection.MillisecondsSinceLastSend < thresholdMs)
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
}
