using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// Kestrel hands every accepted game socket here. One read loop per connection turns bytes into
/// frames; whatever goes wrong with one connection ends that connection and nothing else.
/// </summary>
public sealed class GameConnectionHandler(SessionHost host) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        // Kestrel asks connections to close when it stops on its own (outside a host shutdown).
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        return host.RunAsync(new TcpSessionTransport(connection), session => host.ReadFramesAsync(session, connection.Transport.Input), closeRequested);
    }
}
