using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.Security;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Credentials, characters and the single live session of one account. Every change here
/// carries value (an account, a character, a name), so each is written through before the
/// caller hears it succeeded.
/// </summary>
/// <remarks>
/// Every session is recorded (<see cref="IOperationsStore"/>): opened at Login or ResumeSession,
/// closed when the gateway reports the connection's end with its own clock, so play time is exact
/// however late the report arrives. Entering the world goes through the world's admission (its
/// capacity and login queue). Operator actions (roles, bans, kicks) are in <c>AccountGrain.Operations.cs</c>.
/// </remarks>
public sealed partial class AccountGrain(
    [WriteBehindState("account", StorageNames.Game)] IWriteBehindState<AccountState> state,
    PasswordHasher hasher,
    TicketSigner signer,
    IOptions<AccountOptions> accountOptions,
    IOptions<TicketOptions> ticketOptions,
    IOperationsStore records,
    GameData.GameDataCatalog gameData,
    CharacterNameMigrationStatus nameMigration,
    Gateways.LiveGateways liveGateways,
    TimeProvider time,
    GrainRefs refs,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
{
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long a client waits before asking again when a world's queue is full.</summary>
    private static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromSeconds(5);

    private readonly AccountOptions _options = accountOptions.Value;
    private readonly TicketOptions _tickets = ticketOptions.Value;

    /// <summary>Addresses whose failures this account remembers at most; the oldest is forgotten first.</summary>
    private const int MaxTrackedAddresses = 1024;

    // Failures of a device (a valid device token) are kept beside those of addresses, under this prefix.
    private const string DeviceFailureKeyPrefix = "device:";

    // Failed logins per client address, kept in memory: a silo restart forgives failed attempts, which is
    // acceptable because the per-address throttle and the KDF's cost still bound guessing. Per address, so a
    // lockout keeps the guesser out and not the owner; kept alike whether the account exists or not, so a
    // lockout tells nothing about which names exist.
    private readonly Dictionary<string, FailedLogins> _failures = new(StringComparer.Ordinal);

    private bool Exists => state.State.AccountId != Guid.Empty;

    public Task<Result<Guid>> Register(string username, string password) => RegisterOnce(username, password, Guid.Empty);

    public Task<Result<Guid>> RegisterOnce(string username, string password, Guid requestKey) =>
        CreateAsync(username, password, AccountRules.IsValidPassword(password, _options), requestKey);

    public Task<Result<Guid>> ImportLegacy(string username, string password) =>
        CreateAsync(username, password, AccountRules.IsValidLegacyPassword(password, _options), Guid.Empty);

    private async Task<Result<Guid>> CreateAsync(string username, string password, bool passwordAllowed, Guid requestKey)
    {
        if (Exists && IsRepeatOf(state.State.CreatedByRequest, requestKey))
        {
            // The gateway lost the answer in a failover and asks again: this request made the account.
            return Result.Ok(state.State.AccountId);
        }

        if (!AccountRules.IsValidUsername(username, _options) || AccountKeys.ForUsername(username) != this.GetPrimaryKeyString())
        {
            return GameError.UsernameInvalid;
        }

        if (!passwordAllowed)
        {
            return GameError.PasswordInvalid;
        }

        if (Exists)
        {
            return GameError.UsernameTaken;
        }

        var hash = await hasher.HashForRegistrationAsync(password);
        if (hash is null)
        {
            return new GameFailure(GameError.Busy, hasher.BusyRetryAfter());
        }

        // Checked again: another Register may have completed while this one waited for hashing.
        if (Exists)
        {
            return GameError.UsernameTaken;
        }

        var before = state.State;
        state.State = new AccountState
        {
            AccountId = Guid.NewGuid(),
            Username = AccountKeys.NormalizeUsername(username),
            PasswordHash = hash,
            CreatedAt = time.GetUtcNow(),
            CreatedByRequest = requestKey,
        };
        try
        {
            await state.WriteThroughAsync();
        }
        catch (StateNotWrittenException)
        {
            // The client hears BUSY ("repeat"): its repeat must find the name free, not USERNAME_TAKEN by an account
            // it never heard was made. The undo is what gets stored, even over a late commit of the account.
            state.State = before;
            throw;
        }

        LogRegistered(logger, state.State.AccountId, state.State.Username);
        return Result.Ok(state.State.AccountId);
    }

    public Task<Result<AccountSession>> Login(string password, SessionEndpoint endpoint) => LoginFromDevice(password, endpoint, deviceToken: null);

    public async Task<Result<AccountSession>> LoginFromDevice(string password, SessionEndpoint endpoint, string? deviceToken)
    {
        var now = time.GetUtcNow();
        // A device that logged in to this account before is judged on its own failures, not its address's: a
        // guesser at the same address (one NAT) cannot keep it out. Unknown accounts never issued one.
        var device = Exists ? DeviceToken.TryVerify(deviceToken, signer, state.State.AccountId, now, _options.DeviceTokenLifetime) : null;
        var failureKey = device is { } deviceId ? DeviceFailureKeyPrefix + deviceId.ToString("N") : AccountKeys.ForRemoteAddress(endpoint.RemoteAddress);
        if (_failures.TryGetValue(failureKey, out var failures) && failures.LockedUntil > now)
        {
            return new GameFailure(GameError.LoginThrottled, failures.LockedUntil - now);
        }

        // Hashing full: BUSY before anything is spent on the request (the address throttle's two grain calls), so a crowd
        // retrying costs little. Alike for known and unknown names, and for right and wrong passwords: it tells nothing.
        if (hasher.IsSaturated)
        {
            return new GameFailure(GameError.Busy, hasher.BusyRetryAfter());
        }

        // The address's slot is taken before the hash, so parallel guesses from one address share one budget.
        var address = device is null ? GrainFactory.GetGrain<ILoginThrottleGrain>(failureKey) : null;
        if (address is not null)
        {
            var addressWait = await address.TryBeginAttempt();
            if (addressWait > TimeSpan.Zero)
            {
                return new GameFailure(GameError.LoginThrottled, addressWait);
            }
        }

        PasswordCheck check;
        var failed = false;
        try
        {
            check = Exists
                ? await hasher.VerifyAsync(password ?? "", state.State.PasswordHash)
                : await hasher.VerifyDecoyAsync(password ?? "");
            failed = check == PasswordCheck.Mismatch;
        }
        finally
        {
            if (address is not null)
            {
                await address.EndAttempt(failed);
            }
        }

        switch (check)
        {
            case PasswordCheck.Busy:
                return new GameFailure(GameError.Busy, hasher.BusyRetryAfter());
            case PasswordCheck.Mismatch:
                RecordFailure(failureKey);
                return GameError.InvalidCredentials;
            case PasswordCheck.MatchNeedsRehash:
                // The stored parameters are older than the configured ones: upgrade while the password is at hand.
                state.State.PasswordHash = await hasher.HashAsync(password!) ?? state.State.PasswordHash;
                break;
        }

        _failures.Remove(failureKey);
        // Checked after the password, so a ban tells nothing to someone who does not know it.
        if (ActiveBan() is { } ban)
        {
            return new GameFailure(GameError.AccountBanned, Until: ban.Until);
        }

        state.State.LastLoginAt = time.GetUtcNow();
        var started = await StartSessionAsync(endpoint, lastCharacter: null, resumed: false);
        LogLoggedIn(logger, state.State.AccountId, started.SessionId, endpoint.GatewayId, endpoint.ConnectionId);
        // Renewed at every login: the same device, a fresh lifetime.
        var token = new DeviceToken(state.State.AccountId, device ?? Guid.NewGuid(), time.GetUtcNow()).Issue(signer);
        return Result.Ok(started with { DeviceToken = token });
    }

    /// <summary>Counts a wrong password from one address (or device); the last allowed one locks it out of this account.</summary>
    private void RecordFailure(string addressKey)
    {
        var now = time.GetUtcNow();
        if (!_failures.TryGetValue(addressKey, out var failures))
        {
            if (_failures.Count >= MaxTrackedAddresses)
            {
                _failures.Remove(_failures.MinBy(f => f.Value.LastFailure).Key);
            }

            failures = _failures[addressKey] = new FailedLogins();
        }

        failures.LastFailure = now;
        if (++failures.Count >= _options.MaxFailedLoginsPerAccount)
        {
            failures.Count = 0;
            failures.LockedUntil = now + _options.AccountLockout;
            LogLockedOut(logger, this.GetPrimaryKeyString(), addressKey, _options.AccountLockout);
        }
    }

    private sealed class FailedLogins
    {
        public int Count;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }

    public Task<Result<AccountSession>> ResumeSession(string token, SessionEndpoint endpoint) => ResumeSessionOnce(token, endpoint, Guid.Empty);

    public async Task<Result<AccountSession>> ResumeSessionOnce(string token, SessionEndpoint endpoint, Guid requestKey)
    {
        if (!Exists || !signer.TryVerify(token, out var ticket) || ticket.AccountId != state.State.AccountId)
        {
            return GameError.TicketInvalid;
        }

        var session = state.State.Session;
        if (session is not null && ticket.TicketId == session.SpentTicketId && IsRepeatOf(session.StartedByRequest, requestKey)
            && session.Endpoint?.IsSameConnection(endpoint) == true)
        {
            // The gateway lost the answer in a failover (the first call was slow, not failed) and asks again from
            // the same connection: the session this request started is the answer. Its first ticket was never
            // delivered, so it gets a fresh one.
            var fresh = IssueTicket(session);
            await state.WriteThroughAsync();
            LogResumeRepeated(logger, state.State.AccountId, session.SessionId, endpoint.GatewayId, endpoint.ConnectionId);
            return Result.Ok(new AccountSession(state.State.AccountId, session.SessionId, fresh, session.PreviousCharacter));
        }

        if (session is null || ticket.TicketId != session.TicketId)
        {
            return session is not null && ticket.TicketId == session.SpentTicketId
                ? GameError.TicketAlreadyUsed
                : GameError.TicketInvalid;
        }

        if (ticket.ExpiresAt <= time.GetUtcNow())
        {
            return GameError.TicketExpired;
        }

        if (ActiveBan() is { } ban)
        {
            return new GameFailure(GameError.AccountBanned, Until: ban.Until);
        }

        session.SpentTicketId = session.TicketId;
        var resumed = await StartSessionAsync(endpoint, session.CharacterInWorld, resumed: true, requestKey);
        LogResumed(logger, state.State.AccountId, resumed.SessionId, endpoint.GatewayId, endpoint.ConnectionId);
        return Result.Ok(resumed);
    }

    public async Task<Result<SessionTicket>> RenewTicket(Guid sessionId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return GameError.SessionReplaced;
        }

        var ticket = IssueTicket(session);
        await state.WriteThroughAsync();
        return Result.Ok(ticket);
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

        await records.EndSessionAsync(sessionId, time.GetUtcNow(), SessionEndReason.Logout);
    }

    public Task ConnectionClosed(Guid sessionId) => ConnectionEnded(sessionId, time.GetUtcNow(), SessionEndReason.Disconnect);

    public async Task ConnectionEnded(Guid sessionId, DateTimeOffset endedAt, SessionEndReason reason)
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

        // Also for a replaced session: its record ends when its connection did. Never later than now,
        // whatever the gateway's clock says.
        var now = time.GetUtcNow();
        await records.EndSessionAsync(sessionId, endedAt < now ? endedAt : now, reason);
    }

    public Task<Result<IReadOnlyList<CharacterSummary>>> ListCharacters(Guid sessionId)
    {
        if (CurrentSession(sessionId) is null)
        {
            return Task.FromResult<Result<IReadOnlyList<CharacterSummary>>>(GameError.SessionReplaced);
        }

        IReadOnlyList<CharacterSummary> list = state.State.Characters.Select(c => c.ToSummary(gameData.DefaultWorld)).ToList();
        return Task.FromResult(Result.Ok(list));
    }

    public Task<Result<CharacterSummary>> CreateCharacter(Guid sessionId, string name) => CreateCharacterIn(sessionId, name, "");

    public Task<Result<CharacterSummary>> CreateCharacterIn(Guid sessionId, string name, string worldId) =>
        CreateCharacterOnce(sessionId, name, worldId, Guid.Empty);

    public async Task<Result<CharacterSummary>> CreateCharacterOnce(Guid sessionId, string name, string worldId, Guid requestKey)
    {
        if (CurrentSession(sessionId) is null)
        {
            return GameError.SessionReplaced;
        }

        if (state.State.Characters.Find(c => IsRepeatOf(c.CreatedByRequest, requestKey)) is { } made)
        {
            // The gateway lost the answer in a failover and asks again: this request made that character.
            return Result.Ok(made.ToSummary(gameData.DefaultWorld));
        }

        var world = string.IsNullOrEmpty(worldId) ? gameData.DefaultWorld : worldId;
        if (!gameData.Worlds.ContainsKey(world))
        {
            return GameError.WorldNotFound;
        }

        if (!AccountRules.TryNormalizeCharacterName(name, _options, out var display))
        {
            return GameError.CharacterNameInvalid;
        }

        if (state.State.Characters.Count >= _options.MaxCharactersPerAccount)
        {
            return GameError.CharacterLimitReached;
        }

        // Until every name claimed before skeletons has its skeleton claim, a look-alike of one could slip through.
        if (!nameMigration.IsComplete
            && !await GrainFactory.GetGrain<ICharacterNameMigrationGrain>(ICharacterNameMigrationGrain.SingletonKey).IsComplete())
        {
            return new GameFailure(GameError.Busy, BusyRetryAfter);
        }

        var character = new CharacterRecord { CharacterId = Guid.NewGuid(), Name = display, CreatedAt = time.GetUtcNow(), WorldId = world, CreatedByRequest = requestKey };
        var nameGrain = GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.Key(world, display, gameData.DefaultWorld));
        if (!await nameGrain.ClaimForAccount(state.State.AccountId, character.CharacterId, this.GetPrimaryKeyString()))
        {
            return GameError.CharacterNameTaken;
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
        return Result.Ok(character.ToSummary(gameData.DefaultWorld));
    }

    public async Task<Result> DeleteCharacter(Guid sessionId, Guid characterId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return GameError.SessionReplaced;
        }

        var index = state.State.Characters.FindIndex(c => c.CharacterId == characterId);
        if (index < 0)
        {
            return GameError.CharacterNotFound;
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
        await GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.Key(character.WorldId, character.Name, gameData.DefaultWorld)).Release(characterId);
        // A character named before skeletons also holds its old case-folded claim: freed too, so a migration run
        // again never copies a deleted character (deletions are rare; the extra call costs one read).
        await GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.LegacyKey(character.WorldId, character.Name, gameData.DefaultWorld)).Release(characterId);

        LogCharacterDeleted(logger, state.State.AccountId, characterId);
        return Result.Success;
    }

    public async Task<Result<WorldEntry>> EnterWorld(Guid sessionId, Guid characterId)
    {
        var admission = await EnterWorldQueued(sessionId, characterId, null);
        if (!admission.TryGetValue(out var outcome, out var failure))
        {
            return failure;
        }

        // Callers of this older call cannot wait in a queue.
        return outcome.Entry is { } entry ? Result.Ok(entry) : new GameFailure(GameError.Busy, TimeSpan.FromSeconds(5));
    }

    public async Task<Result<WorldAdmission>> EnterWorldQueued(Guid sessionId, Guid characterId, string? queueTicket)
    {
        var session = CurrentSession(sessionId);
        if (session?.Endpoint is not { } endpoint)
        {
            return GameError.SessionReplaced;
        }

        var character = state.State.Characters.Find(c => c.CharacterId == characterId);
        if (character is null)
        {
            return GameError.CharacterNotFound;
        }

        if (session.CharacterInWorld is { } previous && previous != characterId)
        {
            // Out first: its place in its world goes to the queue before this one asks for a place.
            session.CharacterInWorld = null;
            await DetachQuietlyAsync(previous, sessionId);
        }

        // The only place a connection is bound to a character: the gateway can ask for nothing
        // but its own account's characters, whatever ids a client sends.
        var summary = character.ToSummary(gameData.DefaultWorld);
        var world = refs.Get<IWorldGrain>(summary.WorldId);
        var admission = await world.Admit(new AdmissionRequest(characterId, state.State.AccountId, this.GetPrimaryKeyString(),
            state.State.Role >= AccountRole.GameMaster, endpoint.GatewayId, endpoint.ConnectionId, endpoint.Gateway, queueTicket));
        switch (admission.Outcome)
        {
            case AdmissionOutcome.Queued:
                return Result.Ok(new WorldAdmission(summary, null, admission.Place));
            case AdmissionOutcome.Maintenance:
                return GameError.WorldMaintenance;
            case AdmissionOutcome.QueueFull:
                return new GameFailure(GameError.Busy, QueueFullRetryAfter);
        }

        var attached = await refs.Get<IPlayerGrain>(characterId).Attach(
            new PlayerSession(sessionId, endpoint.GatewayId, endpoint.ConnectionId, endpoint.Gateway, this.GetPrimaryKeyString()), summary);
        if (!attached.TryGetValue(out var attachment, out _))
        {
            await world.Leave(characterId);
            return GameError.WorldUnavailable;
        }

        session.CharacterInWorld = characterId;
        await records.EnterWorldAsync(sessionId, state.State.AccountId, summary.WorldId, characterId, character.Name, time.GetUtcNow());
        return Result.Ok(new WorldAdmission(summary, new WorldEntry(summary, attachment.Player, attachment.Arrival), null));
    }

    public async Task<Result> LeaveWorld(Guid sessionId)
    {
        var session = CurrentSession(sessionId);
        if (session is null)
        {
            return GameError.SessionReplaced;
        }

        if (session.CharacterInWorld is { } characterId)
        {
            session.CharacterInWorld = null;
            await DetachQuietlyAsync(characterId, sessionId);
            await records.LeaveWorldAsync(sessionId, time.GetUtcNow());
        }

        return Result.Success;
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

    /// <summary>Whether <paramref name="requestKey"/> is the request recorded as <paramref name="recorded"/> (an empty key never repeats).</summary>
    private static bool IsRepeatOf(Guid recorded, Guid requestKey) => requestKey != Guid.Empty && recorded == requestKey;

    private ActiveSession? CurrentSession(Guid sessionId) =>
        sessionId != Guid.Empty && state.State.Session is { } session && session.SessionId == sessionId ? session : null;

    /// <summary>Replaces any session with a new one on <paramref name="endpoint"/>, kicking the old connection.</summary>
    private async Task<AccountSession> StartSessionAsync(SessionEndpoint endpoint, Guid? lastCharacter, bool resumed, Guid requestKey = default)
    {
        var previous = state.State.Session;
        var session = new ActiveSession
        {
            SessionId = Guid.NewGuid(),
            Endpoint = endpoint,
            SpentTicketId = previous?.SpentTicketId ?? Guid.Empty,
            CharacterInWorld = null,
            StartedByRequest = requestKey,
            PreviousCharacter = lastCharacter,
        };
        var now = time.GetUtcNow();
        // Recorded first: a session that exists is always in the records (a failed write below closes it at once).
        await records.StartSessionAsync(SessionStartOf(session.SessionId, endpoint, now, resumed));
        state.State.Session = session;
        var ticket = IssueTicket(session);
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            state.State.Session = previous;
            await EndRecordQuietlyAsync(session.SessionId, now, SessionEndReason.Replaced);
            throw;
        }

        if (previous is not null)
        {
            await EndRecordQuietlyAsync(previous.SessionId, now, SessionEndReason.Replaced);
        }

        if (previous?.Endpoint is { } old && !old.IsSameConnection(endpoint))
        {
            KickQuietly(old, previous.SessionId, KickReason.LoggedInElsewhere);
        }

        if (previous?.CharacterInWorld is { } inWorld)
        {
            // The old connection's character leaves its zone now, not when that gateway notices.
            await DetachQuietlyAsync(inWorld, previous.SessionId);
        }

        return new AccountSession(state.State.AccountId, session.SessionId, ticket, lastCharacter);
    }

    private SessionTicket IssueTicket(ActiveSession session)
    {
        session.TicketId = Guid.NewGuid();
        var expires = time.GetUtcNow() + _tickets.Lifetime;
        return signer.Issue(new SessionTicketToken(state.State.AccountId, session.TicketId, expires, this.GetPrimaryKeyString()));
    }

    private void KickQuietly(SessionEndpoint old, Guid oldSessionId, KickReason reason) =>
        _ = KickQuietlyAsync(old, oldSessionId, reason);

    private async Task KickQuietlyAsync(SessionEndpoint old, Guid oldSessionId, KickReason reason)
    {
        // One-way, not awaited by the login: a dead gateway must not hold it up. The session id check in every
        // method keeps the old connection powerless even if this never arrives, so a gateway that has left the
        // registry (crashed: its connections are gone with it) is not called at all.
        try
        {
            if (!await liveGateways.IsLiveAsync(old.Gateway))
            {
                LogKickSkipped(logger, state.State.AccountId, old.GatewayId);
                return;
            }

            _ = old.Gateway.Kick(old.ConnectionId, oldSessionId, reason);
        }
        catch (Exception ex)
        {
            LogKickFailed(logger, ex, state.State.AccountId, old.GatewayId);
        }
    }

    /// <summary>
    /// Closes a session record where failing must not undo what happened (the session is replaced either
    /// way). A record left open is closed later: by the gateway's report when its connection ends, or by
    /// the registry's sweep if that gateway dies.
    /// </summary>
    private async Task EndRecordQuietlyAsync(Guid sessionId, DateTimeOffset at, SessionEndReason reason)
    {
        try
        {
            await records.EndSessionAsync(sessionId, at, reason);
        }
        catch (Exception ex)
        {
            LogRecordFailed(logger, ex, state.State.AccountId, sessionId);
        }
    }

    [LoggerMessage(EventId = LogEvents.AccountRecordFailed, Level = LogLevel.Warning, Message = "Account {AccountId}: closing the record of session {SessionId} failed; it is closed when its connection's end is reported")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, Guid accountId, Guid sessionId);

    [LoggerMessage(EventId = LogEvents.AccountDetachFailed, Level = LogLevel.Warning, Message = "Account {AccountId}: taking character {CharacterId} out of the world failed")]
    private static partial void LogDetachFailed(ILogger logger, Exception exception, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = LogEvents.AccountRegistered, Level = LogLevel.Information, Message = "Account {AccountId} registered as {Username}")]
    private static partial void LogRegistered(ILogger logger, Guid accountId, string username);

    [LoggerMessage(EventId = LogEvents.AccountLoggedIn, Level = LogLevel.Information, Message = "Account {AccountId} logged in, session {SessionId} on gateway {GatewayId} connection {ConnectionId}")]
    private static partial void LogLoggedIn(ILogger logger, Guid accountId, Guid sessionId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = LogEvents.AccountResumed, Level = LogLevel.Information, Message = "Account {AccountId} resumed, session {SessionId} on gateway {GatewayId} connection {ConnectionId}")]
    private static partial void LogResumed(ILogger logger, Guid accountId, Guid sessionId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = LogEvents.AccountResumeRepeated, Level = LogLevel.Information, Message = "Account {AccountId}: the resume of session {SessionId} on gateway {GatewayId} connection {ConnectionId} was asked again (a failover repeat); answered with that session")]
    private static partial void LogResumeRepeated(ILogger logger, Guid accountId, Guid sessionId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = LogEvents.AccountLockedOut, Level = LogLevel.Warning, Message = "Logins to {AccountKey} from {Address} locked for {Lockout} after repeated failed logins")]
    private static partial void LogLockedOut(ILogger logger, string accountKey, string address, TimeSpan lockout);

    [LoggerMessage(EventId = LogEvents.CharacterCreated, Level = LogLevel.Information, Message = "Account {AccountId} created character {CharacterId}")]
    private static partial void LogCharacterCreated(ILogger logger, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = LogEvents.CharacterDeleted, Level = LogLevel.Information, Message = "Account {AccountId} deleted character {CharacterId}")]
    private static partial void LogCharacterDeleted(ILogger logger, Guid accountId, Guid characterId);

    [LoggerMessage(EventId = LogEvents.AccountKickSkipped, Level = LogLevel.Debug, Message = "Account {AccountId}: the previous session's gateway {GatewayId} has left the registry; no kick sent")]
    private static partial void LogKickSkipped(ILogger logger, Guid accountId, string gatewayId);

    [LoggerMessage(EventId = LogEvents.AccountKickFailed, Level = LogLevel.Warning, Message = "Account {AccountId}: could not kick the previous session on gateway {GatewayId}")]
    private static partial void LogKickFailed(ILogger logger, Exception exception, Guid accountId, string gatewayId);
}
