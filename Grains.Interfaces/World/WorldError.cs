namespace OrleansMmo.Grains.World;

/// <summary>Outcomes of world calls; the gateway maps each to a wire error code.</summary>
[GenerateSerializer, Alias("mmo.WorldError")]
public enum WorldError
{
    None = 0,
    /// <summary>The player grain holds no session (new activation after a failover): attach again.</summary>
    NotAttached = 1,
    /// <summary>A newer session owns the character now.</summary>
    SessionReplaced = 2,
    WorldUnavailable = 3,
    ChatMessageInvalid = 4,
    ChatRateLimited = 5,
    ChatChannelInvalid = 6,
    PlayerNotFound = 7,
    PlayerOffline = 8,
    /// <summary>An operator muted the character; <see cref="ChatResult.MutedUntil"/> says until when.</summary>
    ChatMuted = 9,
}
