using Google.Protobuf;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

public sealed record LoginResult(string AccountId, SessionTicket Ticket);

/// <summary>The outcome of ResumeSession. <c>LastCharacterId</c> is the character that was in the world when
/// the session was lost, null if none.</summary>
public sealed record ResumeSessionResult(string AccountId, SessionTicket Ticket, string? LastCharacterId);

/// <summary>The outcome of Ping. <c>RoundTrip</c> is measured on the client, from just before the request is
/// queued until the response is parsed.</summary>
public sealed record PingResult(TimeSpan RoundTrip, DateTimeOffset ServerTime, ByteString Echo);
