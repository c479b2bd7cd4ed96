using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

public enum DisconnectKind
{
    /// <summary>The server sent a Disconnect push; <see cref="DisconnectInfo.Reason"/> says why.</summary>
    ServerNotice,
    /// <summary>The server closed the socket without a Disconnect push.</summary>
    ClosedByServer,
    /// <summary>The application disposed the client.</summary>
    ClosedLocally,
    /// <summary>The server sent something this client cannot accept (see <see cref="DisconnectInfo.Exception"/>).</summary>
    ProtocolError,
    /// <summary>The socket failed (see <see cref="DisconnectInfo.Exception"/>).</summary>
    TransportError,
}

/// <summary>Why a connection ended.</summary>
/// <param name="Kind">Who ended it and how.</param>
/// <param name="Reason">From the Disconnect push, when one arrived.</param>
/// <param name="Detail">The push's detail text, or a description of the local cause.</param>
/// <param name="LastError">The last Error frame that matched no request, typically the connection-level error
/// (FRAME_TOO_LARGE, MALFORMED_FRAME, ...) the gateway sends just before closing.</param>
/// <param name="Exception">The local cause for <see cref="DisconnectKind.ProtocolError"/> and <see cref="DisconnectKind.TransportError"/>.</param>
public sealed record DisconnectInfo(
    DisconnectKind Kind,
    DisconnectReason? Reason,
    string? Detail,
    ErrorResponse? LastError,
    Exception? Exception)
{
    /// <summary>Gateways the server suggests resuming on (a drain notice), least loaded first; empty otherwise.</summary>
    public IReadOnlyList<GatewayAddress> Alternatives { get; init; } = [];

    public override string ToString() => Reason is { } reason
        ? $"{Kind} {reason}: {Detail}"
        : $"{Kind}: {Detail ?? Exception?.Message}";
}
