using OrleansMmo.Gateway.Routing;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>
/// The one mapping from the grains' error vocabulary to the wire: which <see cref="ErrorCode"/>
/// a client hears for each <see cref="GameError"/>, and which errors also end the connection.
/// Handlers return failures as they get them; nothing else translates errors.
/// </summary>
public static class GameErrors
{
    /// <summary>The wire code for <paramref name="error"/>; <see cref="ErrorCode.InternalError"/> for none or an unknown value.</summary>
    public static ErrorCode ToWire(GameError error) => error switch
    {
        GameError.UsernameInvalid => ErrorCode.UsernameInvalid,
        GameError.PasswordInvalid => ErrorCode.PasswordInvalid,
        GameError.UsernameTaken => ErrorCode.UsernameTaken,
        GameError.InvalidCredentials => ErrorCode.InvalidCredentials,
        GameError.LoginThrottled => ErrorCode.LoginThrottled,
        GameError.Busy => ErrorCode.Busy,
        GameError.TicketInvalid => ErrorCode.TicketInvalid,
        GameError.TicketExpired => ErrorCode.TicketExpired,
        GameError.TicketAlreadyUsed => ErrorCode.TicketAlreadyUsed,
        GameError.SessionReplaced => ErrorCode.SessionReplaced,
        GameError.CharacterNameInvalid => ErrorCode.CharacterNameInvalid,
        GameError.CharacterNameTaken => ErrorCode.CharacterNameTaken,
        GameError.CharacterLimitReached => ErrorCode.CharacterLimitReached,
        GameError.CharacterNotFound => ErrorCode.CharacterNotFound,
        // NotAttached reaches a client only when re-attaching failed too: the world is not there for it right now.
        GameError.WorldUnavailable or GameError.NotAttached => ErrorCode.WorldUnavailable,
        GameError.ChatMessageInvalid => ErrorCode.ChatMessageInvalid,
        GameError.ChatRateLimited => ErrorCode.ChatRateLimited,
        GameError.ChatChannelInvalid => ErrorCode.ChatChannelInvalid,
        GameError.PlayerNotFound => ErrorCode.PlayerNotFound,
        GameError.PlayerOffline => ErrorCode.PlayerOffline,
        GameError.AccountBanned => ErrorCode.AccountBanned,
        GameError.WorldNotFound => ErrorCode.WorldNotFound,
        GameError.WorldMaintenance => ErrorCode.WorldMaintenance,
        GameError.ChatMuted => ErrorCode.ChatMuted,
        GameError.ChatChannelLocked => ErrorCode.ChatChannelLocked,
        GameError.ItemNotHeld => ErrorCode.ItemNotHeld,
        GameError.ItemNotUsable => ErrorCode.ItemNotUsable,
        GameError.InventoryFull => ErrorCode.InventoryFull,
        GameError.ItemInvalid => ErrorCode.ItemInvalid,
        GameError.ItemNotTradeable => ErrorCode.ItemNotTradeable,
        GameError.TradeNotFound => ErrorCode.TradeNotFound,
        GameError.TradeBusy => ErrorCode.TradeBusy,
        GameError.TradeTooFar => ErrorCode.TradeTooFar,
        GameError.TradeWrongState => ErrorCode.TradeWrongState,
        _ => ErrorCode.InternalError,
    };

    /// <summary>
    /// The disconnect reason when <paramref name="error"/> ends the connection, else
    /// <see cref="DisconnectReason.Unspecified"/>. A replaced session can do nothing more on this
    /// connection (its kick may still be on the way), so it is closed now.
    /// </summary>
    public static DisconnectReason ClosesWith(GameError error) => error switch
    {
        GameError.SessionReplaced => DisconnectReason.LoggedInElsewhere,
        _ => DisconnectReason.Unspecified,
    };

    /// <summary>
    /// BUSY's retry hint when a grain could not store a change in time (<see cref="StateNotWrittenException"/>):
    /// the write-through already waited its whole bound, so an immediate repeat would most likely meet the same
    /// database; a second lets it recover without making players wait long when it already has.
    /// </summary>
    public static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// True when a grain call failed because the grain could not store its change in time (the database is slow or
    /// away, or another activation wrote first): nothing was acknowledged, the request may be repeated, and the
    /// client hears BUSY with <see cref="StorageRetryAfter"/> rather than INTERNAL_ERROR.
    /// </summary>
    public static bool IsStateNotWritten(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case StateNotWrittenException:
                    return true;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    return IsStateNotWritten(aggregate.InnerExceptions[0]);
            }
        }

        return false;
    }

    /// <summary>The client's answer to a failed call: its code, its retry time or end time (bans, mutes), and whether the connection ends.</summary>
    public static Reply ToReply(GameFailure failure) => failure.Error is GameError.AccountBanned or GameError.ChatMuted or GameError.ChatChannelLocked
        ? Reply.FailUntil(ToWire(failure.Error), failure.Until, ClosesWith(failure.Error))
        : Reply.Fail(ToWire(failure.Error), failure.RetryAfter, ClosesWith(failure.Error));
}
