namespace OrleansMmo.Grains.World;

/// <summary>
/// Who may speak on WORLD (docs/security.md, "World-chat floods"): a character of at least
/// <see cref="WorldOptions.WorldChatMinLevel"/> and older than <see cref="WorldOptions.WorldChatMinCharacterAge"/>,
/// so an account made a minute ago cannot shout to every player.
/// </summary>
public static class WorldChatGate
{
    /// <summary>
    /// Null when the character may speak on WORLD; otherwise the refusal: CHAT_CHANNEL_LOCKED with when its age
    /// allows (no time when its level is what is missing: that depends on play, not on the clock).
    /// </summary>
    public static GameFailure? Refusal(int level, DateTimeOffset createdAt, DateTimeOffset now, WorldOptions options)
    {
        if (level < options.WorldChatMinLevel)
        {
            return new GameFailure(GameError.ChatChannelLocked);
        }

        var openAt = createdAt + options.WorldChatMinCharacterAge;
        return openAt > now ? new GameFailure(GameError.ChatChannelLocked, Until: openAt) : null;
    }
}
