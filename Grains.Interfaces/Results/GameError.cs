namespace OrleansMmo.Grains;

/// <summary>
/// Every way a grain call can fail for a reason the caller should hear: the one error vocabulary
/// from grains to the gateway, which maps each value to a wire error code in one place
/// (<c>Gateway/Handlers/GameErrors.cs</c>). Values cross grain boundaries but are never stored;
/// still, never renumber one (a silo and a gateway of different builds must agree during an upgrade).
/// Ranges: 1-99 accounts and sessions, 100-199 world and chat, 200-299 items and trade.
/// </summary>
[GenerateSerializer, Alias("mmo.GameError")]
public enum GameError
{
    None = 0,

    // Accounts and sessions (1-99).
    UsernameInvalid = 1,
    PasswordInvalid = 2,
    UsernameTaken = 3,
    InvalidCredentials = 4,
    LoginThrottled = 5,
    /// <summary>Password hashing is saturated; retry after the failure's <c>RetryAfter</c>.</summary>
    Busy = 6,
    TicketInvalid = 7,
    TicketExpired = 8,
    TicketAlreadyUsed = 9,
    /// <summary>The caller's session is not the account's or character's current one: a newer login replaced it.</summary>
    SessionReplaced = 10,
    CharacterNameInvalid = 11,
    CharacterNameTaken = 12,
    CharacterLimitReached = 13,
    CharacterNotFound = 14,
    /// <summary>The character's zone could not be reached; retry.</summary>
    WorldUnavailable = 15,
    /// <summary>The account (or the client's address) is banned; the failure's <c>Until</c> says until when (null: until lifted).</summary>
    AccountBanned = 16,
    /// <summary>No world with that id.</summary>
    WorldNotFound = 17,
    /// <summary>The world is in maintenance: only game masters may enter.</summary>
    WorldMaintenance = 18,

    // World and chat (100-199).
    /// <summary>The player grain holds no session (a new activation after a failover): attach again.</summary>
    NotAttached = 100,
    ChatMessageInvalid = 101,
    /// <summary>Over the player's chat budget; retry after the failure's <c>RetryAfter</c>.</summary>
    ChatRateLimited = 102,
    ChatChannelInvalid = 103,
    PlayerNotFound = 104,
    PlayerOffline = 105,
    /// <summary>An operator muted the character; the failure's <c>Until</c> says until when.</summary>
    ChatMuted = 106,
    /// <summary>
    /// WORLD chat is not open to this character yet (below <c>World:WorldChatMinLevel</c>, or younger than
    /// <c>World:WorldChatMinCharacterAge</c>); the failure's <c>Until</c> says when the age allows, if that is what is missing.
    /// </summary>
    ChatChannelLocked = 107,

    // Items and trade (200-299).
    /// <summary>The character does not hold that item (or not that many, or not that much gold).</summary>
    ItemNotHeld = 200,
    /// <summary>The item has no use, or the character cannot use it now (dead).</summary>
    ItemNotUsable = 201,
    /// <summary>No room for the goods: the inventory is at its stack limit.</summary>
    InventoryFull = 202,
    /// <summary>A count of 0 or less, more than allowed, or an item id the game data does not know.</summary>
    ItemInvalid = 203,
    /// <summary>The item is bound to its owner.</summary>
    ItemNotTradeable = 204,
    /// <summary>No such trade, or the character is not in it.</summary>
    TradeNotFound = 205,
    /// <summary>The character (or the one asked) is already in a trade.</summary>
    TradeBusy = 206,
    /// <summary>The two are not in the same zone within the trade distance.</summary>
    TradeTooFar = 207,
    /// <summary>The request does not fit where the trade stands (offer after locking, confirm before both locked, ...).</summary>
    TradeWrongState = 208,
}

/// <summary>
/// A failed call: what went wrong, for throttling errors how long to wait before retrying, and for a ban
/// or a mute when it ends (<c>Until</c>; null for a ban until lifted).
/// </summary>
[GenerateSerializer, Immutable, Alias("mmo.GameFailure")]
public readonly record struct GameFailure(
    [property: Id(0)] GameError Error,
    [property: Id(1)] TimeSpan RetryAfter = default,
    [property: Id(2)] DateTimeOffset? Until = null)
{
    public static implicit operator GameFailure(GameError error) => new(error);

    public override string ToString() => RetryAfter > TimeSpan.Zero ? $"{Error} (retry after {RetryAfter})" : Error.ToString();
}
