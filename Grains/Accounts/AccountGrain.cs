using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.Security;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Credentials, characters and the single live session of one account. Every change here
/// carries value (an account, a character, a name), so each is written through before the
/// caller hears it succeeded.
/// </summary>
public sealed partial class AccountGrain(
    [WriteBehindState("account", StorageNames.Game)] IWriteBehindState<AccountState> state,
    PasswordHasher hasher,
    TicketSigner signer,
    IOptions<AccountOptions> accountOptions,
    IOptions<TicketOptions> ticketOptions,
    TimeProvider time,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
{
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly AccountOptions _options = accountOptions.Value;
    private readonly TicketOptions _tickets = ticketOptions.Value;

    // Kept in memory: a silo restart forgives failed attempts, which is acceptable because the
    // per-address throttle and the KDF's cost still bound guessing.
    private int _consecutiveFailures;
    private DateTimeOffset _lockedUntil;

    private bool Exists => state.State.AccountId != Guid.Empty;

    public Task<RegisterResult> Register(string username, string password) =>
        CreateAsync(username, password, AccountRules.IsValidPassword(password, _options));

    public Task<RegisterResult> ImportLegacy(string username, string password) =>
        CreateAsync(username, password, AccountRules.IsValidLegacyPassword(password, _options));

    private async Task<RegisterResult> CreateAsync(string username, string password, bool passwordAllowed)
    {
        if (!AccountRules.IsValidUsername(username, _options) || AccountKeys.ForUsername(username) != this.GetPrimaryKeyString())
        {
            return new RegisterResult(AccountError.UsernameInvalid, Guid.Empty, default);
        }

        if (!passwordAllowed)
        {
            return new RegisterResult(AccountError.PasswordInvalid, Guid.Empty, default);
        }

        if (Exists)
        {
            return new RegisterResult(AccountError.UsernameTaken, Guid.Empty, default);
        }

        var hash = await hasher.HashAsync(password);
        if (hash is null)
        {
            return new RegisterResult(AccountError.Busy, Guid.Empty, BusyRetryAfter);
        }

        // Checked again: another Register may have completed while this one waited for hashing.
        if (Exists)
        {
            return new RegisterResult(AccountError.UsernameTaken, Guid.Empty, default);
        }

        state.State = new AccountState
        {
            AccountId = Guid.NewGuid(),
            Username = AccountKeys.NormalizeUsername(username),
            PasswordHash = hash,
            CreatedAt = time.GetUtcNow(),
        };
        await state.WriteThroughAsync();
        LogRegistered(logger, state.State.AccountId, state.State.Username);
        return new RegisterResult(AccountError.None, state.State.AccountId, default);
    }

    public async Task<SessionResult> Login(string password, SessionEndpoint endpoint)
    {
        var address = GrainFactory.GetGrain<ILoginThrottleGrain>(AccountKeys.ForRemoteAddress(endpoint.RemoteAddress));
        var addressWait = await address.GetRetryAfter();
        if (addressWait > TimeSpan.Zero)
        {
            return SessionResult.Failed(AccountError.LoginThrottled, addressWait);
        }

        var now = time.GetUtcNow();
        if (_lockedUntil > now)
        {
            return SessionResult.Failed(AccountError.LoginThrottled, _lockedUntil - now);
        }

        var check = Exists
            ? await hasher.VerifyAsync(password ?? "", state.State.PasswordHash)
            : await hasher.VerifyDecoyAsync(password ?? "");
        switch (check)
        {
            case PasswordCheck.Busy:
                return SessionResult.Failed(AccountError.Busy, BusyRetryAfter);
            case PasswordCheck.Mismatch:
                await address.RecordFailure();
                if (Exists && ++_consecutiveFailures >= _options.MaxFailedLoginsPerAccount)
                {
                    _consecutiveFailures = 0;
                    _lockedUntil = time.GetUtcNow() + _options.AccountLockout;
                    LogLockedOut(logger, state.State.AccountId, _options.AccountLockout);
                }

                return SessionResult.Failed(AccountError.InvalidCredentials);
            case PasswordCheck.MatchNeedsRehash:
                // The stored parameters are older than the configured ones: upgrade while the password is at hand.
                state.State.PasswordHash = await hasher.HashAsync(password!) ?? state.State.PasswordHash;
                break;
        }

        _consecutiveFailures = 0;
        state.State.LastLoginAt = time.GetUtcNow();
        var result = await StartSessionAsync(endpoint, lastCharacter: null);
        LogLoggedIn(logger, state.State.AccountId, result.SessionId, endpoint.GatewayId, endpoint.ConnectionId);
        return result;
    }

    public async Task<SessionResult> ResumeSession(string token, SessionEndpoint endpoint)
    {
        if (!Exists || !signer.TryVerify(token, out var ticket) || ticket.AccountId != state.State.AccountId)
        {
            return SessionResult.Failed(AccountError.TicketInvalid);
        }

        var session = state.State.Session;
        if (session is null || ticket.TicketId != session.TicketId)
        {
            return SessionResult.Failed(session is not null && ticket.TicketId == session.SpentTicketId
                ? AccountError.TicketAlreadyUsed
                : AccountError.TicketInvalid);
        }

        if (ticket.ExpiresAt <= time.GetUtcNow())
        {
            return SessionResult.Failed(AccountError.TicketExpired);
        }

        session.SpentTicketId = session.TicketId;
        var result = await StartSessionAsync(endpoint, session.CharacterInWorld);
        LogResumed(logger, state.State.AccountId, result.SessionId, endpoint.GatewayId, endpoint.ConnectionId);
        return result;
    }

    public async Task<TicketResult> RenewTicket(Guid sessionId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return new TicketResult(AccountError.SessionReplaced, null);
        }

        var ticket = IssueTicket(session);
        await state.WriteThroughAsync();
        return new TicketResult(AccountError.None, ticket);
    }

    public async Task Logout(Guid sessionId)
    {
        if (CurrentSession(sessionId) is not { } session)
        {
            return;
        }

        state.State.Session = null;
        await state.WriteThroughAsync();
        if (session.CharacterInWorld is { } characterId)
        {
            await DetachQuietlyAsync(characterId, sessionId);
        }
    }

    public async Task ConnectionClosed(Guid sessionId)
    {
        // Not written: a stale endpoint after a restart only costs one ignored kick.
        if (CurrentSession(sessionId) is { } session)
        {
            session.Endpoint = null;
            // The character leaves its zone; CharacterInWorld stays, so a resume offers it again.
            if (session.CharacterInWorld is { } characterId)
            {
                await DetachQuietlyAsync(characterId, sessionId);
            }
        }
    }

    public Task<CharacterListResult> ListCharacters(Guid sessionId)
    {
        if (CurrentSession(sessionId) is null)
        {
            return Task.FromResult(new CharacterListResult(AccountError.SessionReplaced, []));
        }

        var list = state.State.Characters.Select(c => c.ToSummary()).ToList();
        return Task.FromResult(new CharacterListResult(AccountError.None, list));
    }

    public async Task<CharacterResult> CreateCharacter(Guid sessionId, string name)
    {
        if (CurrentSession(sessionId) is null)
        {
            return new CharacterResult(AccountError.SessionReplaced, null);
        }

        if (!AccountRules.TryNormalizeCharacterName(name, _options, out var display))
        {
            return new CharacterResult(AccountError.CharacterNameInvalid, null);
        }

        if (state.State.Characters.Count >= _options.MaxCharactersPerAccount)
        {
            return new CharacterResult(AccountError.CharacterLimitReached, null);
        }

        var character = new CharacterRecord { CharacterId = Guid.NewGuid(), Name = display, CreatedAt = time.GetUtcNow() };
        var nameGrain = GrainFactory.GetGrain<ICharacterNameGrain>(AccountKeys.ForCharacterName(display));
        if (!await nameGrain.Claim(state.State.AccountId, character.CharacterId))
        {
            return new CharacterResult(AccountError.CharacterNameTaken, null);
        }

        state.State.Characters.Add(character);
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            // Undo both halves so neither the name nor the character is left half-made.
            state.State.Characters.Remove(character);
            await nameGrain.Release(character.CharacterId);
            throw;
        }

        LogCharacterCreated(logger, state.State.AccountId, character.CharacterId);
        return new CharacterResult(AccountError.None, character.ToSummary());
    }

    public async Task<AccountError> DeleteCharacter(Guid sessionId, Guid characterId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return AccountError.SessionReplaced;
        }

        var index = state.State.Characters.FindIndex(c => c.CharacterId == characterId);
        if (index < 0)
        {
            return AccountError.CharacterNotFound;
        }

        var character = state.State.Characters[index];
        state.State.Characters.RemoveAt(index);
        if (session.CharacterInWorld == characterId)
        {
            session.CharacterInWorld = null;
        }

        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            state.State.Characters.Insert(index, character);
            throw;
        }

        // After the account forgot the character, so a failure here strands a name or a world
        // state nobody can reach, never a character.
        await GrainFactory.GetGrain<IPlayerGrain>(characterId).Delete();
        await GrainFactory.GetGrain<ICharacterNameGrain>(AccountKeys.ForCharacterName(character.Name)).Release(characterId);
        LogCharacterDeleted(logger, state.State.AccountId, characterId);
        return AccountError.None;
    }

    public async Task<EnterWorldResult> EnterWorld(Guid sessionId, Guid characterId)
    {
        var session = CurrentSession(sessionId);
        if (session?.Endpoint is not { } endpoint)
        {
            return EnterWorldResult.Failed(AccountError.SessionReplaced);
        }

        var character = state.State.Characters.Find(c => c.CharacterId == characterId);
        if (character is null)
        {
            return EnterWorldResult.Failed(AccountError.CharacterNotFound);
        }

        if (session.CharacterInWorld is { } previous && previous != characterId)
        {
            await DetachQuietlyAsync(previous, sessionId);
        }

        // The only place a connection is bound to a character: the gateway can ask for nothing
        // but its own account's characters, whatever ids a client sends.
        var summary = character.ToSummary();
        var attached = await GrainFactory.GetGrain<IPlayerGrain>(characterId).Attach(
            new PlayerSession(sessionId, endpoint.GatewayId, endpoint.ConnectionId, endpoint.Gateway), summary);
        if (attached.Error != WorldError.None)
        {
            return EnterWorldResult.Failed(AccountError.WorldUnavailable);
        }

        session.CharacterInWorld = characterId;
        return new EnterWorldResult(AccountError.None, summary, attached.Player, attached.Arrival);
    }

    public async Task<AccountError> LeaveWorld(Guid sessionId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return AccountError.SessionReplaced;
        }

        if (session.CharacterInWorld is { } characterId)
        {
            session.CharacterInWorld = null;
            await DetachQuietlyAsync(characterId, sessionId);
        }

        return AccountError.None;
    }

    /// <summary>Takes a character out of the world; a failure only leaves it until its zone or grain notices.</summary>
    private async Task DetachQuietlyAsync(Guid characterId, Guid sessionId)
    {
        try
        {
            await GrainFactory.GetGrain<IPlayerGrain>(characterId).Detach(sessionId);
        }
        catch (Exception ex)
        {
            LogDetachFailed(logger, ex, state.State.AccountId, characterId);
        }
    }

    private ActiveSession? CurrentSession(Guid sessionId) =>
        sessionId != Guid.Empty && state.State.Session is { } session && session.SessionId == sessionId ? session : null;

    /// <summary>Replaces any session with a new one on <paramref name="endpoint"/>, kicking the old connection.</summary>
    private async Task<SessionResult> StartSessionAsync(SessionEndpoint endpoint, Guid? lastCharacter)
    {
        var previous = state.State.Session;
        var session = new ActiveSession
        {
            SessionId = Guid.NewGuid(),
            Endpoint = endpoint,
            SpentTicketId = previous?.SpentTicketId ?? Guid.Empty,
            CharacterInWorld = null,
        };
        state.State.Session = session;
        var ticket = IssueTicket(session);
        await state.WriteThroughAsync();

        if (previous?.Endpoint is { } old && !(old.GatewayId == endpoint.GatewayId && old.ConnectionId == endpoint.ConnectionId))
        {
            KickQuietly(old, previous.SessionId);
        }

        if (previous?.CharacterInWorld is { } inWorld)
        {
            // The old connection's character leaves its zone now, not when that gateway notices.
            await DetachQuietlyAsync(inWorld, previous.SessionId);
        }

        return new SessionResult(AccountError.None, state.State.AccountId, session.SessionId, ticket, lastCharacter, default);
    }

    private SessionTicket IssueTicket(ActiveSession session)
    {
        session.TicketId = Guid.NewGuid();
        var expires = time.GetUtcNow() + _tickets.Lifetime;
        return signer.Issue(new SessionTicketToken(state.State.AccountId, session.TicketId, expires, this.GetPrimaryKeyString()));
    }

    private void KickQuietly(SessionEndpoint old, Guid oldSessionId)
    {
        // One-way: a dead gateway must not hold up the new login. The session id check in every
        // method keeps the old connection powerless even if this never arrives.
        try
        {
            _ = old.Gateway.Kick(old.ConnectionId, oldSessionId, KickReason.LoggedInElsewhere);
        }
        catch (Exception ex)
        {
            LogKickFailed(logger, ex, state.State.AccountId, old.GatewayId);
        }
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "Account {AccountId}: taking character {CharacterId} out of the world failed")]
    private static partial void LogDetachFailed(ILogger logger, Exception exception, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Account {AccountId} registered as {Username}")]
    private static partial void LogRegistered(ILogger logger, Guid accountId, string username);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Account {AccountId} logged in, session {SessionId} on gateway {GatewayId} connection {ConnectionId}")]
    private static partial void LogLoggedIn(ILogger logger, Guid accountId, Guid sessionId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Account {AccountId} resumed, session {SessionId} on gateway {GatewayId} connection {ConnectionId}")]
    private static partial void LogResumed(ILogger logger, Guid accountId, Guid sessionId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Account {AccountId} locked for {Lockout} after repeated failed logins")]
    private static partial void LogLockedOut(ILogger logger, Guid accountId, TimeSpan lockout);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Account {AccountId} created character {CharacterId}")]
    private static partial void LogCharacterCreated(ILogger logger, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Account {AccountId} deleted character {CharacterId}")]
    private static partial void LogCharacterDeleted(ILogger logger, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Account {AccountId}: could not kick the previous session on gateway {GatewayId}")]
    private static partial void LogKickFailed(ILogger logger, Exception exception, Guid accountId, string gatewayId);
}
