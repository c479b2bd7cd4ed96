using Google.Protobuf;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Routing;

/// <summary>What a handler answers: a response message, or an error code (optionally closing the connection).</summary>
public readonly struct Reply
{
    private Reply(IMessage? message, ErrorCode error, TimeSpan retryAfter, DisconnectReason closeWith, long untilMs = 0, string? updateUrl = null)
    {
        Message = message;
        Error = error;
        RetryAfter = retryAfter;
        CloseWith = closeWith;
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

    public static Reply Ok(IMessage message) => new(message, ErrorCode.Unspecified, default, DisconnectReason.Unspecified);

    public static Reply Fail(ErrorCode error, TimeSpan retryAfter = default) => new(null, error, retryAfter, DisconnectReason.Unspecified);

    public static Reply FailAndClose(ErrorCode error, DisconnectReason reason) => new(null, error, default, reason);

    /// <summary>A refusal that lasts until <paramref name="until"/> (null: until an operator lifts it).</summary>
    public static Reply FailUntil(ErrorCode error, DateTimeOffset? until) =>
        new(null, error, default, DisconnectReason.Unspecified, until?.ToUnixTimeMilliseconds() ?? 0);

    /// <summary>The client is too old: UPDATE_REQUIRED with where to update, then the connection closes.</summary>
    public static Reply UpdateRequired(string updateUrl) =>
        new(null, ErrorCode.UpdateRequired, default, DisconnectReason.UpdateRequired, 0, updateUrl);

    public static implicit operator Reply(ErrorCode error) => Fail(error);
}
