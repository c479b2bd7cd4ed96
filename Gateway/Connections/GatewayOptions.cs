using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// The game port and every per-connection limit. Section <c>Gateway</c>. Each limit bounds memory
/// or CPU one client can take; docs/protocol.md lists them with their defaults.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Stable id of this gateway process in logs and the registry; generated when empty.</summary>
    public string? GatewayId { get; set; }

    /// <summary>Address the game port listens on (public).</summary>
    [Required] public string ListenAddress { get; set; } = "0.0.0.0";
    /// <summary>Game port; 0 picks a free one (tests).</summary>
    [Range(0, 65535)] public int Port { get; set; } = 7000;

    /// <summary>HTTP health endpoints; loopback unless configured otherwise.</summary>
    [Required] public string AdminAddress { get; set; } = "127.0.0.1";
    [Range(0, 65535)] public int AdminPort { get; set; } = 7080;

    /// <summary>Connections held at once; Kestrel refuses more.</summary>
    [Range(1, 1_000_000)] public int MaxConnections { get; set; } = 20_000;

    /// <summary>Largest payload accepted; a header declaring more closes the connection.</summary>
    [Range(64, 16 * 1024 * 1024)] public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Sustained requests per second per connection (token bucket refill rate).</summary>
    [Range(1, 1_000_000)] public double RequestsPerSecond { get; set; } = 100;
    /// <summary>Requests a connection may send in a burst (token bucket size).</summary>
    [Range(1, 1_000_000)] public int RequestBurst { get; set; } = 200;
    /// <summary>
    /// Strikes after which the connection is closed (RATE_LIMIT_ABUSE): each rate-limited request adds one, each
    /// request let through takes one off. A client that ignores <c>retry_after_ms</c> and keeps sending faster than
    /// twice its rate is cut, however its refusals are spread; a burst now and then is forgiven.
    /// </summary>
    [Range(1, 1_000_000)] public int RateLimitStrikes { get; set; } = 50;

    /// <summary>
    /// Registers a connection may send before the time its last refused one was told to wait (<c>retry_after_ms</c> of
    /// a RATE_LIMITED from the address's registration budget); each is refused the same way before the budget or any grain call, and
    /// one more closes the connection (RATE_LIMIT_ABUSE). A client that waits as told never meets it; a flood that
    /// ignores it is cut after a handful of requests instead of hundreds, so it costs the gateway its reconnects.
    /// </summary>
    [Range(0, 1_000_000)] public int EarlyRegisterRetries { get; set; } = 5;

    /// <summary>
    /// Sustained moves per second per connection (token bucket refill rate), below the general request
    /// rate: a client sends a move at most every 100 ms, and each move is a call on a zone shared with
    /// everyone in it. Over it a move is answered MOVE_RATE_LIMITED and reaches no grain.
    /// </summary>
    [Range(1, 1000)] public double MovesPerSecond { get; set; } = 20;
    /// <summary>Moves a connection may send in a burst (token bucket size).</summary>
    [Range(1, 1000)] public int MoveBurst { get; set; } = 20;

    /// <summary>Requests awaiting a response per connection.</summary>
    [Range(1, 10_000)] public int MaxInFlightPerConnection { get; set; } = 32;

    /// <summary>Frames queued toward one client; a client that lets it fill is disconnected.</summary>
    [Range(4, 1_000_000)] public int OutboundQueueCapacity { get; set; } = 1024;
    /// <summary>
    /// Bytes queued toward one client; a client that lets it fill is disconnected. Frames alone do not
    /// bound memory (1024 frames of 64 KB are 64 MB); at least four of the largest frames.
    /// </summary>
    [Range(256 * 1024, 1024 * 1024 * 1024)] public int OutboundQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Once the outbound queue holds this percentage of either bound (<see cref="OutboundQueueCapacity"/> frames,
    /// <see cref="OutboundQueueBytes"/> bytes), pushes that can be let go (SAY, ZONE and WORLD chat lines, world
    /// updates) are dropped instead of queued; the zone then sends the player its whole view again. A client that
    /// reads too slowly loses chatter before it loses its connection: only responses, whispers and system lines
    /// can fill the queue to its bounds and cut it (SLOW_CONSUMER). 100: nothing is dropped before the bound.
    /// </summary>
    [Range(1, 100)] public int DroppablePushQueuePercent { get; set; } = 50;

    /// <summary>
    /// A broadcast group (world chat lines said together, an operator announcement) goes out to the in-world
    /// connections in up to this many slices, <see cref="BroadcastSliceInterval"/> apart, so the answers to requests
    /// that arrive meanwhile are not queued behind a send to every connection. 1: all at once.
    /// </summary>
    [Range(1, 1000)] public int BroadcastSlices { get; set; } = 8;

    /// <summary>Fewest connections in a slice of a broadcast group: a small gateway sends a group at once.</summary>
    [Range(1, 1_000_000)] public int BroadcastMinSlice { get; set; } = 32;

    /// <summary>Time between two slices of a broadcast group (a group's last slice goes out this times the slices less one after its first).</summary>
    [Range(typeof(TimeSpan), "00:00:00.0001", "00:00:01")]
    public TimeSpan BroadcastSliceInterval { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Broadcast groups waiting for their turn; past it a group goes out at once, unpaced.</summary>
    [Range(1, 1_000_000)] public int BroadcastQueueGroups { get; set; } = 1024;

    /// <summary>
    /// The kernel's send buffer of each client socket, in bytes; 0 leaves it to the system, which grows it up to
    /// <c>net.ipv4.tcp_wmem</c>'s maximum (4 MiB on Debian) for a client that stops reading: kernel memory on top
    /// of the outbound queue, out of the gateway's sight. A bound here makes a stalled reader reach the queue's
    /// marks (and the droppable mark) after this many bytes instead. The kernel doubles the value for its bookkeeping.
    /// </summary>
    [Range(0, 64 * 1024 * 1024)] public int SocketSendBufferBytes { get; set; }

    /// <summary>
    /// Largest <c>echo</c> a Ping may carry; a larger one is answered PING_ECHO_TOO_LARGE. The echo comes back in
    /// the response, so without a cap unread pings turn the request budget into the client's memory on the gateway.
    /// </summary>
    [Range(0, 16 * 1024 * 1024)] public int MaxPingEchoBytes { get; set; } = 1024;

    /// <summary>
    /// Time from connect to the Hello before the connection is closed (AUTHENTICATION_TIMEOUT): much shorter
    /// than <see cref="UnauthenticatedTimeout"/>, so connections that never speak free their slot in seconds. When set
    /// longer, <see cref="UnauthenticatedTimeout"/> (which also counts from connect) closes the connection first.
    /// </summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Connections one source address (an IPv6 /64) may hold at once; more are refused (TOO_MANY_CONNECTIONS).</summary>
    [Range(1, 1_000_000)] public int MaxConnectionsPerAddress { get; set; } = 64;
    /// <summary>New connections one source address may open per second, sustained (token bucket refill rate).</summary>
    [Range(0.01, 1_000_000)] public double NewConnectionsPerAddressPerSecond { get; set; } = 10;
    /// <summary>New connections one source address may open in a burst (token bucket size).</summary>
    [Range(1, 1_000_000)] public int NewConnectionBurstPerAddress { get; set; } = 64;
    /// <summary>
    /// What a connection cut for abuse (RATE_LIMIT_ABUSE) costs its address: the new connections it would earn in
    /// this time, into debt, at most one burst's worth. A client cut for ignoring its limits that reconnects at once
    /// would otherwise be let in again at the address's full connection rate, and the reconnects become the attack;
    /// with it, each cut buys the address this long without new connections. Its open connections are untouched.
    /// Zero turns it off.
    /// </summary>
    public TimeSpan AbuseCutConnectionPenalty { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// What a connection closed at the <see cref="HelloTimeout"/> costs its address, the same way: one that held a slot
    /// without a word is what a slot-exhaustion flood is made of, while a client of this protocol says Hello at once.
    /// With it a flood's silent connections are let in at a fraction of the address's rate and the rest refused at
    /// accept, where a refusal is cheap. Zero turns it off.
    /// </summary>
    public TimeSpan SilentConnectionPenalty { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// A connection to the game port from an address over these limits is refused in the accept loop (the same
    /// Disconnect notice, then closed) before a connection or a session is built: a flood of refused connections then
    /// costs the gateway an accept, a send and a close each. Not for a trusted balancer's connections (the client's
    /// address comes in the PROXY header) nor with TLS (the notice must follow a handshake): there the session refuses, as when off.
    /// </summary>
    public bool RefuseFloodsAtAccept { get; set; } = true;
    /// <summary>Registrations one source address may make per minute, sustained, on this gateway (each costs a full password hash); more are RATE_LIMITED.</summary>
    [Range(0.01, 1_000_000)] public double RegistrationsPerAddressPerMinute { get; set; } = 10;
    /// <summary>Registrations one source address may make in a burst (token bucket size).</summary>
    [Range(1, 1_000_000)] public int RegistrationBurstPerAddress { get; set; } = 10;
    /// <summary>
    /// Comma-separated CIDR networks the per-address limits do not apply to: loopback by default (run.sh, the
    /// bots, a balancer on the same host). A load balancer that does not pass the client address on must be
    /// listed, or its address, shared by every client, would be limited.
    /// </summary>
    public string ConnectionLimitExemptNetworks { get; set; } = "127.0.0.0/8,::1/128";

    /// <summary>
    /// Comma-separated CIDR networks of the load balancers that send the PROXY protocol v2 (haproxy
    /// <c>send-proxy-v2</c>); empty (the default) for none. A connection from one of them must begin with a
    /// v2 header, and the client address in it is the one every per-address rule and log line uses. List only
    /// balancer addresses: a header from a trusted peer is believed. Headers from anyone else are not read.
    /// </summary>
    public string TrustedProxies { get; set; } = "";
    /// <summary>Time a trusted balancer's connection has to deliver its whole PROXY header.</summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Largest PROXY v2 header accepted (preamble, addresses and TLVs), in bytes.</summary>
    [Range(ProxyProtocol.MinHeaderBound, ProxyProtocol.MaxHeaderBound)] public int MaxProxyHeaderBytes { get; set; } = 1024;

    /// <summary>TLS on the game port; off unless a certificate is configured.</summary>
    public GatewayTlsOptions Tls { get; set; } = new();

    /// <summary>Time from connect (or logout) to a successful login before the connection is closed.</summary>
    public TimeSpan UnauthenticatedTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// The most a connection not yet logged in is given past <see cref="UnauthenticatedTimeout"/> when it is told to
    /// come back later (BUSY, LOGIN_THROTTLED, RATE_LIMITED with a retry time): a client that obeys the wait is
    /// not cut off and made to reconnect, which would cost the gateway and the storm more than the wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxLoginWaitGranted { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Time without any frame from the client before the connection is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How often clients are told to ping; must be well under <see cref="IdleTimeout"/>.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How often timeouts are checked.</summary>
    public TimeSpan TimeoutSweepInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Time given to flush the last frames (an error, a disconnect notice) before the socket is cut.</summary>
    public TimeSpan CloseFlushTimeout { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>On shutdown, time given to connections to close after being told why.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request keeps being retried while the cluster fails over (a silo died and its grains
    /// are not yet reactivated elsewhere), before the client gets INTERNAL_ERROR. Covers the
    /// membership's detection time (about 2 s, see docs/operations.md) with room to spare, and stays
    /// under the SDK's 10 s request timeout. Zero turns retries off.
    /// </summary>
    public TimeSpan ClusterRetryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After this gateway loses a silo, how long a request still outstanding (or sent soon after) may go
    /// unanswered before it is presumed lost with the silo and retried. Membership declares a crashed silo
    /// dead in about 2 s; Orleans would otherwise wait 30 s. Zero turns it off.
    /// </summary>
    public TimeSpan FailoverCallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the gateway keeps trying to report a closed connection to its account while the cluster
    /// fails over. The end time is taken when the connection closed, so a late report still records the
    /// exact play time; past this the session stays open in the records until the account's next login.
    /// </summary>
    public TimeSpan SessionEndRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// TLS on the game port (section <c>Gateway:Tls</c>): set both paths to turn it on. PEM files, the certificate
/// (its chain after it, if any) and its private key; loaded once at start, a file that is missing or does not
/// load stops the start. After the PROXY header (a balancer passes TLS through) and before the game's frames.
/// </summary>
public sealed class GatewayTlsOptions
{
    /// <summary>PEM certificate of the gateway (the name clients connect to), its chain after it.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of that certificate (PKCS#8 or the key's own format, unencrypted).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Time a client has to finish the TLS handshake; a silent or plain client is closed after it.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether TLS is configured (both paths set).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(KeyPath);
}

[OptionsValidator]
public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
