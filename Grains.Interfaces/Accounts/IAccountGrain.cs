namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// One player account: credentials, characters, and the single live session.
/// Key: <see cref="AccountKeys.ForUsername"/> ("acct:" + normalized username).
/// Every session-bound method takes the caller's session id and fails with
/// <see cref="GameError.SessionReplaced"/> once a newer login has replaced that session,
/// so a kicked connection can never act, even if the kick notice was lost.
/// </summary>
[Alias("mmo.IAccountGrain")]
public interface IAccountGrain : IGrainWithStringKey
{
    /// <summary>Creates the account; yields its id.</summary>
    /// <remarks>Kept for gateways of the previous version during a rolling upgrade; see <see cref="RegisterOnce"/>.</remarks>
    [Alias("Register")]
    Task<Result<Guid>> Register(string username, string password);

    /// <summary>
    /// Creates the account; yields its id. Idempotent per <paramref name="requestKey"/>: a repeat with the key
    /// that created the account (the gateway repeating a call it lost in a failover) yields the same id, not
    /// USERNAME_TAKEN. <see cref="Guid.Empty"/>: no repeat is recognised.
    /// </summary>
    [Alias("RegisterOnce")]
    Task<Result<Guid>> RegisterOnce(string username, string password, Guid requestKey);

    /// <summary>
    /// Creates the account as <see cref="Register"/> does, but keeps a password that a migrated system (a Firefly
    /// deployment, say) allowed and today's rules would refuse: any 1-128 characters without control characters.
    /// The password is hashed like any other. Operators only: the gateway's <c>POST /admin/accounts/import</c>.
    /// </summary>
    [Alias("ImportLegacy")]
    Task<Result<Guid>> ImportLegacy(string username, string password);

    /// <summary>Verifies the password and starts a new session, kicking any previous one.</summary>
    /// <remarks>Kept for gateways of the previous version during a rolling upgrade; see <see cref="LoginFromDevice"/>.</remarks>
    [Alias("Login")]
    Task<Result<AccountSession>> Login(string password, SessionEndpoint endpoint);

    /// <summary>
    /// As <see cref="Login"/>, from a client that may hold a device token of this account (from an earlier
    /// successful login): with a valid one, the address's failure budget does not apply and failures count per
    /// (account, device). The session carries the device token to keep (docs/security.md).
    /// </summary>
    [Alias("LoginFromDevice")]
    Task<Result<AccountSession>> LoginFromDevice(string password, SessionEndpoint endpoint, string? deviceToken);

    /// <summary>Spends a ticket to start a new session on <paramref name="endpoint"/> without a password.</summary>
    /// <remarks>Kept for gateways of the previous version during a rolling upgrade; see <see cref="ResumeSessionOnce"/>.</remarks>
    [Alias("ResumeSession")]
    Task<Result<AccountSession>> ResumeSession(string token, SessionEndpoint endpoint);

    /// <summary>
    /// Spends a ticket to start a new session on <paramref name="endpoint"/> without a password. Idempotent per
    /// <paramref name="requestKey"/>: a repeat of the request that spent the ticket, from the same connection,
    /// while its session is still the account's, yields that session (with a fresh ticket) instead of
    /// TICKET_ALREADY_USED. A replayed ticket from anywhere else is still refused.
    /// </summary>
    [Alias("ResumeSessionOnce")]
    Task<Result<AccountSession>> ResumeSessionOnce(string token, SessionEndpoint endpoint, Guid requestKey);

    /// <summary>Replaces the session's ticket with a fresh one; the previous ticket stops working.</summary>
    [Alias("RenewTicket")]
    Task<Result<SessionTicket>> RenewTicket(Guid sessionId);

    /// <summary>Ends the session and invalidates its ticket.</summary>
    [Alias("Logout")]
    Task Logout(Guid sessionId);

    /// <summary>The session's connection closed. Its ticket stays valid so the client can resume.</summary>
    /// <remarks>Kept for gateways of the previous version during a rolling upgrade; see <see cref="ConnectionEnded"/>.</remarks>
    [Alias("ConnectionClosed")]
    Task ConnectionClosed(Guid sessionId);

    /// <summary>
    /// The session's connection closed at <paramref name="endedAt"/> (the gateway's clock, taken when it
    /// closed) for <paramref name="reason"/>: its record is closed then, however late this call arrives
    /// (the gateway retries it through a failover). The ticket stays valid so the client can resume.
    /// </summary>
    [Alias("ConnectionEnded")]
    Task ConnectionEnded(Guid sessionId, DateTimeOffset endedAt, Operations.SessionEndReason reason);

    [Alias("ListCharacters")]
    Task<Result<IReadOnlyList<CharacterSummary>>> ListCharacters(Guid sessionId);

    /// <summary>Creates a character in the default world.</summary>
    [Alias("CreateCharacter")]
    Task<Result<CharacterSummary>> CreateCharacter(Guid sessionId, string name);

    /// <summary>Creates a character in <paramref name="worldId"/> (empty: the default world); names are unique per world.</summary>
    /// <remarks>Kept for gateways of the previous version during a rolling upgrade; see <see cref="CreateCharacterOnce"/>.</remarks>
    [Alias("CreateCharacterIn")]
    Task<Result<CharacterSummary>> CreateCharacterIn(Guid sessionId, string name, string worldId);

    /// <summary>
    /// Creates a character as <see cref="CreateCharacterIn"/> does. Idempotent per <paramref name="requestKey"/>:
    /// a repeat with the key that created a character yields that character, not CHARACTER_NAME_TAKEN.
    /// </summary>
    [Alias("CreateCharacterOnce")]
    Task<Result<CharacterSummary>> CreateCharacterOnce(Guid sessionId, string name, string worldId, Guid requestKey);

    [Alias("DeleteCharacter")]
    Task<Result> DeleteCharacter(Guid sessionId, Guid characterId);

    /// <summary>Binds the session to one of the account's characters and puts it in the world (BUSY if its world is full: see <see cref="EnterWorldQueued"/>).</summary>
    [Alias("EnterWorld")]
    Task<Result<WorldEntry>> EnterWorld(Guid sessionId, Guid characterId);

    /// <summary>
    /// Like <see cref="EnterWorld"/>, through the world's admission: when the world is full the result holds
    /// a queue place instead (game masters never wait); <paramref name="queueTicket"/> keeps a place already had.
    /// </summary>
    [Alias("EnterWorldQueued")]
    Task<Result<WorldAdmission>> EnterWorldQueued(Guid sessionId, Guid characterId, string? queueTicket);

    [Alias("LeaveWorld")]
    Task<Result> LeaveWorld(Guid sessionId);

    // Operator side: called by the operator grain only, which checks roles and writes the audit log.

    /// <summary>The account as an operator sees it; null if it does not exist.</summary>
    [Alias("GetAdminView"), Orleans.Concurrency.ReadOnly]
    Task<Operations.AccountView?> GetAdminView();

    /// <summary>The role of the account if <paramref name="sessionId"/> is its live session; null otherwise.</summary>
    [Alias("GetRole"), Orleans.Concurrency.ReadOnly]
    Task<Operations.AccountRole?> GetRole(Guid sessionId);

    /// <summary>Sets the role; false if the account does not exist.</summary>
    [Alias("SetRole")]
    Task<bool> SetRole(Operations.AccountRole role);

    /// <summary>Ends the live session (its ticket too) and closes its connection with KICKED_BY_ADMIN; false if the account does not exist.</summary>
    [Alias("Kick")]
    Task<bool> Kick(string reason);

    /// <summary>Bans the account (replacing any ban) and kicks its session; false if the account does not exist.</summary>
    [Alias("Ban")]
    Task<bool> Ban(Operations.BanInfo ban);

    /// <summary>Lifts the ban; false if the account does not exist or was not banned.</summary>
    [Alias("Unban")]
    Task<bool> Unban();
}
