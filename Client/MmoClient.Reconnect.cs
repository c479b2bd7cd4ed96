using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

// Moving a session to a new connection: after a gateway crash, a drain or a network loss.
public sealed partial class MmoClient
{
    /// <summary>
    /// Opens a new connection and resumes this client's session on it with <see cref="CurrentTicket"/>, without
    /// the password. Connects to the first gateway of a drain notice's <see cref="DisconnectInfo.Alternatives"/>
    /// when the connection ended with one, else to the endpoint this client connected to: behind a load
    /// balancer that is the balancer, which picks a live gateway. Dispose this client; the returned one
    /// replaces it (it uses the same options).
    /// </summary>
    /// <exception cref="InvalidOperationException">No ticket: this connection never logged in.</exception>
    /// <exception cref="MmoErrorException">The ticket was refused (expired, already used, superseded).</exception>
    public Task<ReconnectResult> ReconnectAsync(CancellationToken cancellationToken = default)
    {
        // Alternatives name game ports (TCP); a WebSocket client goes back through its own endpoint (the balancer).
        var alternatives = Connection.DisconnectInfo?.Alternatives;
        return alternatives is { Count: > 0 } && _endpoint is null
            ? ReconnectAsync(alternatives[0].Host, (int)alternatives[0].Port, cancellationToken)
            : ResumeOnAsync(() => ConnectAsync(Endpoint, _options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Opens a new connection to <paramref name="host"/>:<paramref name="port"/> (any gateway of the cluster, or
    /// the load balancer) and resumes this client's session on it with <see cref="CurrentTicket"/>.
    /// </summary>
    /// <inheritdoc cref="ReconnectAsync(CancellationToken)" path="/exception"/>
    public Task<ReconnectResult> ReconnectAsync(string host, int port, CancellationToken cancellationToken = default) =>
        ResumeOnAsync(() => ConnectAsync(host, port, _options, cancellationToken), cancellationToken);

    private async Task<ReconnectResult> ResumeOnAsync(Func<Task<MmoClient>> connect, CancellationToken cancellationToken)
    {
        var ticket = _currentTicket ?? throw new InvalidOperationException("No session ticket to resume with: log in first.");
        var client = await connect().ConfigureAwait(false);
        try
        {
            var session = await client.ResumeSessionAsync(ticket.Token, cancellationToken).ConfigureAwait(false);
            return new ReconnectResult(client, session);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The gateway list of the newest Login or ResumeSession on this connection, least loaded first.</summary>
    public IReadOnlyList<GatewayAddress> KnownGateways => _knownGateways;
}
