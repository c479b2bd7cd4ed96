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
    [Alias("Register")]
    Task<Result<Guid>> Register(string username, string password);

    /// <summary>
    /// Creates the account as <see cref="Register"/> does, but keeps a password that a migrated system (a Firefly
    /// deployment, say) allowed and today's rules would refuse: any 1-128 characters without control characters.
    /// The password is hashed like any other. Operators only: the gateway's <c>POST /admin/accounts/import</c>.
    /// </summary>
    [Alias("ImportLegacy")]
    Task<Result<Guid>> ImportLegacy(string username, string password);

    /// <summary>Verifies the password and starts a new session, kicking any previous one.</summary>
    [Alias("Login")]
    Task<Result<AccountSession>> Login(string password, SessionEndpoint endpoint);

    /// <summary>Spends a ticket to start a new session on <paramref name="endpoint"/> without a password.</summary>
    [Alias("ResumeSession")]
    Task<Result<AccountSession>> ResumeSession(string token, SessionEndpoint endpoint);

    /// <summary>Replaces the session's ticket with a fresh one; the previous ticket stops working.</summary>
    [Alias("RenewTicket")]
    Task<Result<SessionTicket>> RenewTicket(Guid sessionId);

    /// <summary>Ends the session and invalidates its ticket.</summary>
    [Alias("Logout")]
    Task Logout(Guid sessionId);

    /// <summary>The session's connection closed. Its ticket stays valid so the client can resume.</summary>
    [Alias("ConnectionClosed")]
    Task ConnectionClosed(Guid sessionId);

    [Alias("ListCharacters")]
    Task<Result<IReadOnlyList<CharacterSummary>>> ListCharacters(Guid sessionId);

    [Alias("CreateCharacter")]
    Task<Result<CharacterSummary>> CreateCharacter(Guid sessionId, string name);

    [Alias("DeleteCharacter")]
    Task<Result> DeleteCharacter(Guid sessionId, Guid characterId);

    /// <summary>Binds the session to one of the account's characters and puts it in the world.</summary>
    [Alias("EnterWorld")]
    Task<Result<WorldEntry>> EnterWorld(Guid sessionId, Guid characterId);

    [Alias("LeaveWorld")]
    Task<Result> LeaveWorld(Guid sessionId);
}
