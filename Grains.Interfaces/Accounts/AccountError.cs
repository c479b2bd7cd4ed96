namespace OrleansMmo.Grains.Accounts;

/// <summary>Outcome of an account operation. The gateway maps each value to a wire error code.</summary>
[GenerateSerializer, Alias("mmo.AccountError")]
public enum AccountError
{
    None = 0,
    UsernameInvalid = 1,
    PasswordInvalid = 2,
    UsernameTaken = 3,
    InvalidCredentials = 4,
    LoginThrottled = 5,
    /// <summary>Password hashing is saturated; the caller should retry after <c>RetryAfter</c>.</summary>
    Busy = 6,
    TicketInvalid = 7,
    TicketExpired = 8,
    TicketAlreadyUsed = 9,
    /// <summary>The caller's session is not the account's current one (a newer login replaced it).</summary>
    SessionReplaced = 10,
    CharacterNameInvalid = 11,
    CharacterNameTaken = 12,
    CharacterLimitReached = 13,
    CharacterNotFound = 14,
    /// <summary>The character's zone could not be reached; retry.</summary>
    WorldUnavailable = 15,
    /// <summary>The account (or the client's address) is banned; the result carries until when.</summary>
    AccountBanned = 16,
    /// <summary>No world with that id.</summary>
    WorldNotFound = 17,
    /// <summary>The world is in maintenance: only game masters may enter.</summary>
    WorldMaintenance = 18,
}
