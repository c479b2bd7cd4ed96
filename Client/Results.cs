using Google.Protobuf;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

public sealed record LoginResult(string AccountId, SessionTicket Ticket)
{
    /// <summary>Gateways this client may use (to reconnect directly), least loaded first.</summary>
    public IReadOnlyList<GatewayAddress> Gateways { get; init; } = [];

    /// <summary>
    /// Keep it on this device with the account's name and pass it to the next <c>LoginAsync</c> of that account:
    /// it exempts those logins from the failure budget others at the same address can spend. Null from a server
    /// that issues none.
    /// </summary>
    public string? DeviceToken { get; init; }
}

/// <summary>The outcome of ResumeSession. <c>LastCharacterId</c> is the character that was in the world when
/// the session was lost, null if none.</summary>
public sealed record ResumeSessionResult(string AccountId, SessionTicket Ticket, string? LastCharacterId)
{
    /// <summary>Gateways this client may use (to reconnect directly), least loaded first.</summary>
    public IReadOnlyList<GatewayAddress> Gateways { get; init; } = [];
}

/// <summary>The outcome of <see cref="MmoClient.ReconnectAsync(CancellationToken)"/>: the new connection, already
/// authenticated, and what ResumeSession answered on it.</summary>
public sealed record ReconnectResult(MmoClient Client, ResumeSessionResult Session);

/// <summary>The outcome of Ping. <c>RoundTrip</c> is measured on the client, from just before the request is
/// queued until the response is parsed.</summary>
public sealed record PingResult(TimeSpan RoundTrip, DateTimeOffset ServerTime, ByteString Echo);
