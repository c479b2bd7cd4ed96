using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// The first step of every connection on the game and WebSocket ports (before TLS): a connection from a
/// balancer in <see cref="GatewayOptions.TrustedProxies"/> must begin with a PROXY protocol v2 header, and
/// the client address it carries becomes the connection's <see cref="BaseConnectionContext.RemoteEndPoint"/>,
/// which every per-address rule and log line reads. A trusted balancer's connection without a valid header,
/// or whose header does not arrive within <see cref="GatewayOptions.ProxyHeaderTimeout"/>, is closed. Other
/// peers are not read here at all: a header they send is not believed and reaches the protocol as garbage
/// (on the game port a frame length over the bound: <c>FRAME_TOO_LARGE</c>, then the close).
/// </summary>
public sealed partial class ProxyProtocolMiddleware(IOptions<GatewayOptions> options, ILogger<ProxyProtocolMiddleware> logger)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly IReadOnlyList<IPNetwork> _trusted = ConnectionAdmission.ParseNetworks(options.Value.TrustedProxies);

    /// <summary>Whether any balancer is trusted; without one the step is not installed.</summary>
    public bool Enabled => _trusted.Count > 0;

    public bool IsTrusted(IPAddress address) => ConnectionAdmission.AnyContains(_trusted, address);

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint peer || !IsTrusted(peer.Address))
        {
            await next(connection);
            return;
        }

        var source = await ReadHeaderAsync(connection, peer);
        if (source is null)
        {
            return; // refused and logged; Kestrel closes the connection when this returns
        }

        connection.RemoteEndPoint = source;
        await next(connection);
    }

    /// <summary>The client's endpoint (the balancer's own for LOCAL and unspecified headers), or null when refused.</summary>
    private async Task<IPEndPoint?> ReadHeaderAsync(ConnectionContext connection, IPEndPoint peer)
    {
        var input = connection.Transport.Input;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        deadline.CancelAfter(_options.ProxyHeaderTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                LogRefused(logger, connection.ConnectionId, peer.Address, "no PROXY header in time");
                return null;
            }

            var buffer = result.Buffer;
            switch (ProxyProtocol.TryParse(buffer, _options.MaxProxyHeaderBytes, out var header, out var end))
            {
                case ProxyHeaderStatus.Complete:
                    input.AdvanceTo(end);
                    return header.Source ?? peer;
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    LogRefused(logger, connection.ConnectionId, peer.Address, header.Error ?? "invalid PROXY header");
                    return null;
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        LogRefused(logger, connection.ConnectionId, peer.Address, "closed inside the PROXY header");
                        return null;
                    }

                    break;
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.ProxyHeaderRefused, Level = LogLevel.Information, Message = "Connection {ConnectionId} from trusted proxy {ProxyAddress} refused: {Why}")]
    private static partial void LogRefused(ILogger logger, string connectionId, IPAddress proxyAddress, string why);
}
