using Google.Protobuf;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// What a handler answers: a response message, or an error code (optionally closing the connection).
/// Handlers return grain failures as they are (<see cref="GameFailure"/>, <see cref="GameError"/>):
/// <see cref="GameErrors"/> turns them into wire errors, the one place that does.
/// </summary>
public readonly struct Reply
{
    private Reply(IMessage? message, ErrorCode error, TimeSpan retryAfter, DisconnectReason closeWith, Action<ClientSession>? afterSent,
        long untilMs = 0, string? updateUrl = null)
    {
        Message = message;
        Error = error;
        RetryAfter = retryAfter;
        CloseWith = closeWith;
        AfterSent = afterSent;
        UntilMs = untilMs;
        UpdateUrl = updateUrl;
    }

    public IMessage? Message { get; }

    public ErrorCode Error { get; }

    public TimeSpan RetryAfter { get; }

    /// <summary>When set, the connection closes with this reason after the reply is sent.</summary>
    public DisconnectReason CloseWith { get; }

    /// <summary>For a ban or a mute: when it ends (Unix ms; 0 for a ban until lifted). Sent as <c>ErrorResponse.until_ms</c>.</summary>
    public long UntilMs { get; }

    /// <summary>For UPDATE_REQUIRED: where to get a current client. Sent as <c>ErrorResponse.update_url</c>.</summary>
    public string? UpdateUrl { get; }

    /// <summary>Runs right after the response is queued, before anything else can be queued behind it by this request.</summary>
    public Action<ClientSession>? AfterSent { get; }

    public static Reply Ok(IMessage message, Action<ClientSession>? afterSent = null) =>
        new(message, ErrorCode.Unspecified, default, DisconnectReason.Unspecified, afterSent);

    /// <summary>A wire-level failure the gateway itself decides (protocol version, frame checks).</summary>
    public static Reply Fail(ErrorCode error, TimeSpan retryAfter = default, DisconnectReason closeWith = DisconnectReason.Unspecified) =>
        new(null, error, retryAfter, closeWith, null);

    /// <summary>A failure that lasts until <paramref name="until"/> (null: until an operator lifts it).</summary>
    public static Reply FailUntil(ErrorCode error, DateTimeOffset? until, DisconnectReason closeWith = DisconnectReason.Unspecified) =>
        new(null, error, default, closeWith, null, until?.ToUnixTimeMilliseconds() ?? 0);

    /// <summary>The client is too old: UPDATE_REQUIRED with where to update, then the connection closes.</summary>
    public static Reply UpdateRequired(string updateUrl) =>
        new(null, ErrorCode.UpdateRequired, default, DisconnectReason.ClientUpdateRequired, null, 0, updateUrl);

    public static implicit operator Reply(GameFailure failure) => GameErrors.ToReply(failure);

    public static implicit operator Reply(GameError error) => GameErrors.ToReply(error);
}
