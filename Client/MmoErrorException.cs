using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>The server answered a request with an Error frame.</summary>
public sealed class MmoErrorException : Exception
{
    public MmoErrorException(Opcode requestOpcode, ErrorResponse error)
        : base($"{requestOpcode} failed: {error.Code} ({error.Detail})")
    {
        ArgumentNullException.ThrowIfNull(error);
        RequestOpcode = requestOpcode;
        Code = error.Code;
        Detail = error.Detail;
        RetryAfter = error.RetryAfterMs > 0 ? TimeSpan.FromMilliseconds(error.RetryAfterMs) : null;
        UntilMs = error.UntilMs;
        UpdateUrl = error.UpdateUrl;
    }

    public Opcode RequestOpcode { get; }

    public ErrorCode Code { get; }

    /// <summary>The server's fixed description of <see cref="Code"/>; for logs, never for branching.</summary>
    public string Detail { get; }

    /// <summary>Set for RATE_LIMITED, BUSY, LOGIN_THROTTLED, CHAT_RATE_LIMITED and MOVE_RATE_LIMITED: wait at least this long before retrying.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// For ACCOUNT_BANNED and CHAT_MUTED: when the ban or mute ends, Unix milliseconds; 0 for a ban until lifted.
    /// For CHAT_CHANNEL_LOCKED: when the character may speak on WORLD; 0 when its level is what is missing.
    /// </summary>
    public long UntilMs { get; }

    /// <summary>For UPDATE_REQUIRED: where to get a current client for this platform.</summary>
    public string UpdateUrl { get; }
}
