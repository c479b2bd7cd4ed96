using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace OrleansMmo.Client;

/// <summary>Settings for one <see cref="MmoClient"/> connection.</summary>
public sealed class MmoClientOptions
{
    /// <summary>Sent in Hello: free text for the gateway's logs (at most 64 characters are meaningful).</summary>
    public string ClientName { get; set; } = "OrleansMmo.Client";

    /// <summary>Sent in Hello: the client's build number, recorded with the session and checked against the gateway's minimum for the platform.</summary>
    public uint ClientBuild { get; set; }

    /// <summary>Sent in Hello: the client's platform, e.g. "windows", "android", "web".</summary>
    public string ClientPlatform { get; set; } = "";

    /// <summary>
    /// Local address to connect from, e.g. 127.0.0.2: a load generator spreads connections over
    /// several source addresses, since one address has a limited number of ephemeral ports.
    /// </summary>
    public IPAddress? LocalAddress { get; set; }

    /// <summary>TLS to the game port, for gateways with <c>Gateway:Tls</c> set; null (the default) is plain TCP.</summary>
    public MmoClientTls? Tls { get; set; }

    /// <summary>How long a request waits for its response before failing with <see cref="TimeoutException"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables the timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the TCP connect may take (the Hello that follows is bounded by <see cref="RequestTimeout"/>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Send a Ping whenever nothing else was sent for a heartbeat interval, so the gateway's idle
    /// timeout never fires. Turn off to test the idle timeout.
    /// </summary>
    public bool AutomaticHeartbeat { get; set; } = true;

    /// <summary>Overrides the interval the gateway announces in its Hello response.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Server pushes buffered for the application before <see cref="PushFullMode"/> applies.</summary>
    public int PushChannelCapacity { get; set; } = 1024;

    /// <summary>
    /// What happens when the application does not drain pushes. <see cref="BoundedChannelFullMode.Wait"/>
    /// (default) stops reading the socket, as a real slow client would, so responses stall too and the
    /// gateway eventually disconnects the client as a slow consumer; the drop modes lose pushes instead.
    /// A Disconnect push is never waited for: it always reaches <see cref="MmoClient.Disconnected"/>.
    /// </summary>
    public BoundedChannelFullMode PushFullMode { get; set; } = BoundedChannelFullMode.Wait;

    /// <summary>Largest payload accepted from the server; a bigger frame is a protocol error that closes the connection.</summary>
    public int MaxInboundPayloadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The version sent in Hello. Only tests of the version check change it.</summary>
    public uint ProtocolVersion { get; set; } = OrleansMmo.Protocol.ProtocolVersion.Current;

    /// <summary>
    /// Over WebSocket: the largest message sent. Frames are batched into messages up to this size (a bigger frame
    /// goes alone). The gateway's default limit is 256 KiB and never below its largest frame, 64 KiB + 12 by default.
    /// </summary>
    public int WebSocketMaxMessageBytes { get; set; } = 64 * 1024 + OrleansMmo.Protocol.FrameHeader.Size;

    /// <summary>Over WebSocket: sets headers, certificates or a proxy on the socket before it connects.</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>Connect without sending Hello, so a test can send the first frame itself.
    /// <see cref="MmoClient.Hello"/> stays null and no heartbeat runs.</summary>
    public bool SkipHandshake { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ClientName);
        ThrowIfNotPositive(RequestTimeout, allowInfinite: true, nameof(RequestTimeout));
        ThrowIfNotPositive(ConnectTimeout, allowInfinite: true, nameof(ConnectTimeout));
        if (HeartbeatInterval is { } heartbeat)
        {
            ThrowIfNotPositive(heartbeat, allowInfinite: false, nameof(HeartbeatInterval));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PushChannelCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInboundPayloadBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(WebSocketMaxMessageBytes, OrleansMmo.Protocol.FrameHeader.Size);
    }

    private static void ThrowIfNotPositive(TimeSpan value, bool allowInfinite, string name)
    {
        if (value <= TimeSpan.Zero && !(allowInfinite && value == Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
