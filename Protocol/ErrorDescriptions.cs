using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Protocol;

/// <summary>The fixed text sent in <c>ErrorResponse.detail</c>: one line per code, never exception text.</summary>
public static class ErrorDescriptions
{
    public static string Describe(ErrorCode code) => code switch
    {
        ErrorCode.InternalError => "the server failed to handle the request; it may be retried",
        ErrorCode.ProtocolVersionMismatch => "protocol version not supported by this gateway",
        ErrorCode.MalformedFrame => "malformed frame header",
        ErrorCode.FrameTooLarge => "frame payload exceeds the maximum size",
        ErrorCode.UnknownOpcode => "unknown opcode",
        ErrorCode.NotAllowedInState => "request not allowed in the connection's current state",
        ErrorCode.RateLimited => "request rate limit exceeded",
        ErrorCode.TooManyInFlight => "too many requests in flight on this connection",
        ErrorCode.InvalidPayload => "payload is not a valid message for this opcode",
        ErrorCode.Busy => "server busy; retry later",
        ErrorCode.HandshakeRequired => "the first frame must be Hello",
        ErrorCode.ShuttingDown => "the server (or this gateway) is shutting down",
        ErrorCode.RequestIdInvalid => "request id 0 is reserved for pushes",
        ErrorCode.RequestIdInUse => "request id already awaiting an answer on this connection",
        ErrorCode.UpdateRequired => "this client build is too old; update it",
        ErrorCode.UsernameInvalid => "username does not meet the rules",
        ErrorCode.PasswordInvalid => "password does not meet the rules",
        ErrorCode.UsernameTaken => "username already registered",
        ErrorCode.InvalidCredentials => "invalid username or password",
        ErrorCode.LoginThrottled => "too many failed logins; retry later",
        ErrorCode.TicketInvalid => "session ticket invalid",
        ErrorCode.TicketExpired => "session ticket expired",
        ErrorCode.TicketAlreadyUsed => "session ticket already used",
        ErrorCode.SessionReplaced => "session replaced by a newer login",
        ErrorCode.AccountBanned => "the account or address is banned",
        ErrorCode.CharacterNameInvalid => "character name does not meet the rules",
        ErrorCode.CharacterNameTaken => "character name already taken",
        ErrorCode.CharacterLimitReached => "character limit reached",
        ErrorCode.CharacterNotFound => "character not found",
        ErrorCode.WorldUnavailable => "the world could not be reached; retry",
        ErrorCode.ChatMessageInvalid => "chat message empty, too long or with control characters",
        ErrorCode.ChatRateLimited => "too many chat messages; retry later",
        ErrorCode.PingEchoTooLarge => "the ping echo is over the limit",
        ErrorCode.MoveRateLimited => "too many moves; the move had no effect; retry later",
        ErrorCode.ChatChannelInvalid => "chat channel unknown or not open to players",
        ErrorCode.PlayerNotFound => "no character has that name",
        ErrorCode.PlayerOffline => "that character is not in the world",
        ErrorCode.ChatMuted => "this character is muted",
        ErrorCode.WorldNotFound => "no world with that id",
        ErrorCode.WorldMaintenance => "the world is in maintenance",
        ErrorCode.Forbidden => "the account's role does not allow this request",
        _ => "error",
    };
}
