using System.Diagnostics;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Operations;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using GrainSessionTicket = OrleansMmo.Grains.Accounts.SessionTicket;
using WireCharacter = OrleansMmo.Protocol.Messages.CharacterSummary;
using WireTicket = OrleansMmo.Protocol.Messages.SessionTicket;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>
/// One method per opcode: wire message in, grain call, wire message out. The only place where
/// wire types and grain types meet.
/// </summary>
public sealed class GatewayHandlers(
    IGrainFactory grains,
    GatewayIdentity identity,
    IOptions<GatewayOptions> options,
    GatewayDirectory gateways,
    AddressBans bans,
    WorldList worlds,
    IOptions<ClientBuildOptions> clientBuilds,
    IOptions<GatewayClusterOptions> clusterOptions,
    ClusterShutdown shutdown,
    TicketSignatureCheck tickets,
    RegistrationBudget registrations,
    SessionStartAdmission sessionStarts,
    GrainRefs refs)
{
    // Cheap sanity bounds before a grain is even addressed; the account grain applies the real rules.
    private const int MaxPasswordChars = 1024;
    private const int MaxAccountKeyChars = 80;
    private const int MaxClientNameChars = 128;
    private const int MaxClientPlatformChars = 32;

    private readonly GatewayOptions _options = options.Value;

    public Reply Hello(ClientSession session, HelloRequest request)
    {
        if (request.ProtocolVersion != ProtocolVersion.Current)
        {
            return Reply.Fail(ErrorCode.ProtocolVersionMismatch, closeWith: DisconnectReason.ProtocolViolation);
        }

        // Kept for the session records; bounded, since the client writes it.
        session.Client = new ClientInfo(
            Bound(request.ClientName, MaxClientNameChars),
            (int)Math.Min(request.ClientBuild, int.MaxValue),
            Bound(request.ClientPlatform, MaxClientPlatformChars).ToLowerInvariant());
        if (clientBuilds.Value.UpdateNeeded(session.Client.Platform, session.Client.Build) is { } updateUrl)
        {
            return Reply.UpdateRequired(updateUrl);
        }

        session.MoveTo(SessionState.Connected, null);
        return Reply.Ok(new HelloResponse
        {
            ProtocolVersion = ProtocolVersion.Current,
            GatewayId = identity.GatewayId,
            HeartbeatIntervalMs = (uint)_options.HeartbeatInterval.TotalMilliseconds,
            IdleTimeoutMs = (uint)_options.IdleTimeout.TotalMilliseconds,
            MaxPayloadBytes = (uint)_options.MaxPayloadBytes,
            MaxInFlight = (uint)_options.MaxInFlightPerConnection,
        });
    }

    public Reply Ping(ClientSession session, PingRequest request) =>
        request.Echo.Length > _options.MaxPingEchoBytes
            ? Reply.Fail(ErrorCode.PingEchoTooLarge)
            : Reply.Ok(new PingResponse
            {
                ClientTimeMs = request.ClientTimeMs,
                ServerTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Echo = request.Echo,
            });

    public async ValueTask<Reply> RegisterAsync(ClientSession session, RegisterRequest request)
    {
        if (!AccountKeys.IsWellFormedUsername(request.Username))
        {
            return GameError.UsernameInvalid;
        }

        if (request.Password.Length > MaxPasswordChars)
        {
            return GameError.PasswordInvalid;
        }

        if (AddressBanned(session) is { } banned)
        {
            return banned;
        }

        if (shutdown.RefusesLogins)
        {
            return Reply.Fail(ErrorCode.ShuttingDown);
        }

        // Judged before any grain call: a registration costs a full password hash.
        if (!session.RequestIsRepeat && !registrations.TryTake(session.RemoteAddress, out var retryAfter))
        {
            // Another Register on this connection before then is refused at the door (RequestRouter.Dispatch).
            session.RegisterRetryNotBefore = Stopwatch.GetTimestamp() + (long)(retryAfter.TotalSeconds * Stopwatch.Frequency);
            return Reply.Fail(ErrorCode.RateLimited, retryAfter);
        }

        var result = await Account(AccountKeys.ForUsername(request.Username)).RegisterOnce(request.Username, request.Password, session.RequestKey);
        return result.TryGetValue(out var accountId, out var failure)
            ? Reply.Ok(new RegisterResponse { AccountId = accountId.ToString() })
            : failure;
    }

    public async ValueTask<Reply> LoginAsync(ClientSession session, LoginRequest request)
    {
        if (!AccountKeys.IsWellFormedUsername(request.Username) || request.Password.Length > MaxPasswordChars)
        {
            // No account can have this name: answer as for a wrong password, without spending a hash.
            return GameError.InvalidCredentials;
        }

        if (AddressBanned(session) is { } banned)
        {
            return banned;
        }

        if (shutdown.RefusesLogins)
        {
            return Reply.Fail(ErrorCode.ShuttingDown);
        }

        if (await WaitTurnAsync(session) is { } notNow)
        {
            return notNow;
        }

        var key = AccountKeys.ForUsername(request.Username);
        // A token too long to be one is not passed on: the login goes ahead as one without it.
        var deviceToken = request.DeviceToken.Length is > 0 and <= AccountKeys.MaxDeviceTokenLength ? request.DeviceToken : null;
        var result = await Account(key).LoginFromDevice(request.Password, Endpoint(session), deviceToken);
        if (!result.TryGetValue(out var started, out var failure))
        {
            return failure;
        }

        session.MoveTo(SessionState.Authenticated, new AccountBinding(key, started.AccountId, started.SessionId, null));
        return Reply.Ok(new LoginResponse { AccountId = started.AccountId.ToString(), Ticket = ToWire(started.Ticket), Gateways = { gateways.Advertised }, DeviceToken = started.DeviceToken });
    }

    public async ValueTask<Reply> ResumeSessionAsync(ClientSession session, ResumeSessionRequest request)
    {
        // The token names its account; only the account grain can tell whether it is still valid.
        if (!SessionTicketToken.TryParse(request.Token, out var token, out var body, out var signature)
            || token.AccountKey.Length > MaxAccountKeyChars
            || !token.AccountKey.StartsWith("acct:", StringComparison.Ordinal))
        {
            return GameError.TicketInvalid;
        }

        if (AddressBanned(session) is { } banned)
        {
            return banned;
        }

        // A forged token is refused here, before any account grain is activated or its storage read; failures
        // are counted per address (resumes have a budget of their own: a NAT's password typos do not block them).
        var resumes = refs.Get<ILoginThrottleGrain>(AccountKeys.ForResumeAddress(session.RemoteAddress));
        if (!tickets.MayBeGenuine(body, signature))
        {
            return await FailedResumeAsync(resumes);
        }

        if (!tickets.CanCheck && await resumes.GetRetryAfter() is var wait && wait > TimeSpan.Zero)
        {
            // Without the key every token reaches its account grain: the budget is checked first instead.
            return new GameFailure(GameError.LoginThrottled, wait);
        }

        // A repeat after a failover was admitted the first time.
        if (!session.RequestIsRepeat && await WaitTurnAsync(session) is { } notNow)
        {
            return notNow;
        }

        var result = await Account(token.AccountKey).ResumeSessionOnce(request.Token, Endpoint(session), session.RequestKey);
        if (!result.TryGetValue(out var resumed, out var failure))
        {
            if (failure.Error == GameError.TicketInvalid && !tickets.CanCheck)
            {
                await resumes.RecordFailure();
            }

            return failure;
        }

        session.MoveTo(SessionState.Authenticated, new AccountBinding(token.AccountKey, resumed.AccountId, resumed.SessionId, null));
        return Reply.Ok(new ResumeSessionResponse
        {
            AccountId = resumed.AccountId.ToString(),
            Ticket = ToWire(resumed.Ticket),
            LastCharacterId = resumed.LastCharacterId?.ToString() ?? "",
            Gateways = { gateways.Advertised },
        });
    }

    public async ValueTask<Reply> RenewTicketAsync(ClientSession session, AccountBinding account, RenewTicketRequest request)
    {
        var result = await Account(account.AccountKey).RenewTicket(account.SessionId);
        return result.TryGetValue(out var ticket, out var failure)
            ? Reply.Ok(new RenewTicketResponse { Ticket = ToWire(ticket) })
            : failure;
    }

    public async ValueTask<Reply> LogoutAsync(ClientSession session, AccountBinding account, LogoutRequest request)
    {
        await Account(account.AccountKey).Logout(account.SessionId);
        if (session.Queued is { } queued)
        {
            await grains.GetGrain<IWorldGrain>(queued.WorldId).LeaveQueue(account.AccountId);
            session.Queued = null;
        }

        session.MoveTo(SessionState.Connected, null);
        return Reply.Ok(new LogoutResponse());
    }

    public async ValueTask<Reply> ListCharactersAsync(ClientSession session, AccountBinding account, ListCharactersRequest request)
    {
        var result = await Account(account.AccountKey).ListCharacters(account.SessionId);
        if (!result.TryGetValue(out var characters, out var failure))
        {
            return failure;
        }

        var response = new ListCharactersResponse();
        foreach (var character in characters)
        {
            response.Characters.Add(ToWire(character));
        }

        return Reply.Ok(response);
    }

    public async ValueTask<Reply> CreateCharacterAsync(ClientSession session, AccountBinding account, CreateCharacterRequest request)
    {
        var result = await Account(account.AccountKey).CreateCharacterOnce(account.SessionId, request.Name, request.WorldId, session.RequestKey);
        return result.TryGetValue(out var character, out var failure)
            ? Reply.Ok(new CreateCharacterResponse { Character = ToWire(character) })
            : failure;
    }

    public async ValueTask<Reply> DeleteCharacterAsync(ClientSession session, AccountBinding account, DeleteCharacterRequest request)
    {
        if (!Guid.TryParse(request.CharacterId, out var characterId))
        {
            return GameError.CharacterNotFound;
        }

        var result = await Account(account.AccountKey).DeleteCharacter(account.SessionId, characterId);
        return result.Failed(out var failure) ? failure : Reply.Ok(new DeleteCharacterResponse());
    }

    public async ValueTask<Reply> EnterWorldAsync(ClientSession session, AccountBinding account, EnterWorldRequest request)
    {
        if (!Guid.TryParse(request.CharacterId, out var characterId))
        {
            return GameError.CharacterNotFound;
        }

        session.BeginEnteringWorld(characterId);
        Result<WorldAdmission> result;
        try
        {
            result = await Account(account.AccountKey).EnterWorldQueued(account.SessionId, characterId, NullIfEmpty(request.QueueTicket));
        }
        catch
        {
            session.CancelEnteringWorld();
            throw;
        }

        if (!result.TryGetValue(out var admission, out var failure))
        {
            session.CancelEnteringWorld();
            return failure;
        }

        if (admission.Entry is not { } entry)
        {
            // The world is full: the connection waits, Authenticated, for QueueUpdate pushes.
            session.CancelEnteringWorld();
            session.Queued = (admission.Queue!.WorldId, characterId);
            return Reply.Ok(new EnterWorldResponse { Character = ToWire(admission.Character), Queue = ToWire(admission.Queue) });
        }

        session.Queued = null;
        session.EnteredWorld(account with { CharacterId = characterId, WorldId = entry.Character.WorldId });
        var response = new EnterWorldResponse
        {
            Character = ToWire(entry.Character),
            Player = WorldWire.ToWire(entry.Player),
            Arrival = WorldWire.ToWire(entry.Arrival),
        };
        // The zone's pushes for the character were held until the response is out (see ClientSession.World).
        return Reply.Ok(response, afterSent: static s => s.ReleaseWorldPushes());
    }

    public async ValueTask<Reply> LeaveWorldAsync(ClientSession session, AccountBinding account, LeaveWorldRequest request)
    {
        var result = await Account(account.AccountKey).LeaveWorld(account.SessionId);
        if (result.Failed(out var failure))
        {
            return failure;
        }

        session.MoveTo(SessionState.Authenticated, account with { CharacterId = null, WorldId = null });
        return Reply.Ok(new LeaveWorldResponse());
    }

    public async ValueTask<Reply> LeaveQueueAsync(ClientSession session, AccountBinding account, LeaveQueueRequest request)
    {
        if (session.Queued is { } queued)
        {
            await grains.GetGrain<IWorldGrain>(queued.WorldId).LeaveQueue(account.AccountId);
            session.Queued = null;
        }

        return Reply.Ok(new LeaveQueueResponse());
    }

    /// <summary>Every world with its status and population, and this account's characters in each, from the gateway's copy of the world list.</summary>
    public async ValueTask<Reply> ListWorldsAsync(ClientSession session, AccountBinding account, ListWorldsRequest request)
    {
        var result = await Account(account.AccountKey).ListCharacters(account.SessionId);
        if (!result.TryGetValue(out var characters, out var failure))
        {
            return failure;
        }

        var response = new ListWorldsResponse();
        foreach (var world in worlds.Current(clusterOptions.Value.RegistryHeartbeatInterval * 3))
        {
            response.Worlds.Add(new WorldInfo
            {
                WorldId = world.WorldId,
                Name = world.Name,
                Status = world.State switch
                {
                    WorldState.Open => Protocol.Messages.WorldStatus.Open,
                    WorldState.Full => Protocol.Messages.WorldStatus.Full,
                    WorldState.Maintenance => Protocol.Messages.WorldStatus.Maintenance,
                    _ => Protocol.Messages.WorldStatus.Offline,
                },
                Population = Band(world),
                CharacterCount = (uint)characters.Count(c => c.WorldId == world.WorldId),
                QueueLength = (uint)world.Queued,
                IsDefault = world.IsDefault,
            });
        }

        return Reply.Ok(response);
    }

    /// <summary>How full a world looks to players: a band, not the numbers.</summary>
    public static PopulationBand Band(Grains.World.WorldStatus world) =>
        world.Capacity <= 0 ? PopulationBand.Low
        : world.Online >= world.Capacity || world.Queued > 0 ? PopulationBand.Full
        : world.Online * 10 >= world.Capacity * 7 ? PopulationBand.High
        : world.Online * 10 >= world.Capacity * 3 ? PopulationBand.Medium
        : PopulationBand.Low;

    public static QueueStatus ToWire(QueuePlace place) => new()
    {
        WorldId = place.WorldId,
        Position = (uint)place.Position,
        Length = (uint)place.Length,
        Ticket = place.Ticket,
        Ready = place.Ready,
        ReadyForMs = (uint)place.ReadyFor.TotalMilliseconds,
        EstimatedWaitS = (uint)place.EstimatedWait.TotalSeconds,
        Version = place.Version,
    };

    /// <summary>ACCOUNT_BANNED with the end time when the client's address is in a banned range.</summary>
    /// <summary>A forged ticket: TICKET_INVALID, counted; once the address's budget is spent, LOGIN_THROTTLED.</summary>
    private static async Task<Reply> FailedResumeAsync(ILoginThrottleGrain resumes)
    {
        var wait = await resumes.GetRetryAfter();
        if (wait > TimeSpan.Zero)
        {
            return new GameFailure(GameError.LoginThrottled, wait);
        }

        await resumes.RecordFailure();
        return GameError.TicketInvalid;
    }

    private GameFailure? AddressBanned(ClientSession session) =>
        bans.Find(session.RemoteAddress) is { } ban ? new GameFailure(GameError.AccountBanned, Until: ban.Until) : null;

    /// <summary>
    /// Waits for this session start's turn at the gateway's admission control; BUSY with when to try again if the
    /// wait would be too long. A client that left while it waited costs no grain call.
    /// </summary>
    private async ValueTask<Reply?> WaitTurnAsync(ClientSession session)
    {
        var (admitted, retryAfter) = await sessionStarts.WaitTurnAsync();
        return !admitted ? Reply.Fail(ErrorCode.Busy, retryAfter)
            : session.IsClosing ? Reply.Fail(ErrorCode.Busy)
            : null;
    }

    private static string Bound(string text, int max) => text.Length <= max ? text : text[..max];

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    // Every request of an authenticated session starts here: references made without Orleans' per-call interface lookup.
    private IAccountGrain Account(string key) => refs.Get<IAccountGrain>(key);

    private SessionEndpoint Endpoint(ClientSession session) =>
        new(identity.GatewayId, session.ConnectionId, identity.Observer, session.RemoteAddress, session.Client, identity.Instance);

    private static WireTicket ToWire(GrainSessionTicket ticket) =>
        new() { Token = ticket.Token, ExpiresAtMs = ticket.ExpiresAt.ToUnixTimeMilliseconds() };

    private static WireCharacter ToWire(Grains.Accounts.CharacterSummary character) => new()
    {
        CharacterId = character.CharacterId.ToString(),
        Name = character.Name,
        CreatedAtMs = character.CreatedAt.ToUnixTimeMilliseconds(),
        Level = (uint)character.Level,
        WorldId = character.WorldId,
    };
}
