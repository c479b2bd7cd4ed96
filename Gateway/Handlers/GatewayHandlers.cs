using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Operations;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
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
    IOptions<GatewayClusterOptions> clusterOptions)
{
    /// <summary>How long a client waits before asking again when a world's queue is full.</summary>
    private static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromSeconds(5);

    // Cheap sanity bounds before a grain is even addressed; the account grain applies the real rules.
    private const int MaxPasswordChars = 1024;
    private const int MaxAccountKeyChars = 80;
    private const int MaxClientNameChars = 128;
    private const int MaxClientPlatformChars = 32;

    private readonly GatewayOptions _options = options.Value;

    public ValueTask<Reply> HelloAsync(ClientSession session, HelloRequest request)
    {
        if (request.ProtocolVersion != ProtocolVersion.Current)
        {
            return ValueTask.FromResult(Reply.FailAndClose(ErrorCode.ProtocolVersionMismatch, DisconnectReason.ProtocolViolation));
        }

        // Kept for the session records; bounded, since the client writes it.
        session.Client = new ClientInfo(
            Bound(request.ClientName, MaxClientNameChars),
            (int)Math.Min(request.ClientBuild, int.MaxValue),
            Bound(request.ClientPlatform, MaxClientPlatformChars).ToLowerInvariant());
        if (clientBuilds.Value.UpdateNeeded(session.Client.Platform, session.Client.Build) is { } updateUrl)
        {
            return ValueTask.FromResult(Reply.UpdateRequired(updateUrl));
        }

        session.MoveTo(SessionState.Connected, null);
        return ValueTask.FromResult(Reply.Ok(new HelloResponse
        {
            ProtocolVersion = ProtocolVersion.Current,
            GatewayId = identity.GatewayId,
            HeartbeatIntervalMs = (uint)_options.HeartbeatInterval.TotalMilliseconds,
            IdleTimeoutMs = (uint)_options.IdleTimeout.TotalMilliseconds,
            MaxPayloadBytes = (uint)_options.MaxPayloadBytes,
            MaxInFlight = (uint)_options.MaxInFlightPerConnection,
        }));
    }

    public ValueTask<Reply> PingAsync(ClientSession session, PingRequest request) =>
        ValueTask.FromResult(Reply.Ok(new PingResponse
        {
            ClientTimeMs = request.ClientTimeMs,
            ServerTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Echo = request.Echo,
        }));

    public async ValueTask<Reply> RegisterAsync(ClientSession session, RegisterRequest request)
    {
        if (!AccountKeys.IsWellFormedUsername(request.Username))
        {
            return ErrorCode.UsernameInvalid;
        }

        if (request.Password.Length > MaxPasswordChars)
        {
            return ErrorCode.PasswordInvalid;
        }

        if (bans.Find(session.RemoteAddress) is { } ban)
        {
            return Reply.FailUntil(ErrorCode.AccountBanned, ban.Until);
        }

        var result = await Account(AccountKeys.ForUsername(request.Username)).Register(request.Username, request.Password);
        return result.Error == AccountError.None
            ? Reply.Ok(new RegisterResponse { AccountId = result.AccountId.ToString() })
            : Fail(result.Error, result.RetryAfter);
    }

    public async ValueTask<Reply> LoginAsync(ClientSession session, LoginRequest request)
    {
        if (!AccountKeys.IsWellFormedUsername(request.Username) || request.Password.Length > MaxPasswordChars)
        {
            // No account can have this name: answer as for a wrong password, without spending a hash.
            return ErrorCode.InvalidCredentials;
        }

        if (bans.Find(session.RemoteAddress) is { } ban)
        {
            return Reply.FailUntil(ErrorCode.AccountBanned, ban.Until);
        }

        var key = AccountKeys.ForUsername(request.Username);
        var result = await Account(key).Login(request.Password, Endpoint(session));
        if (result.Error != AccountError.None)
        {
            return Fail(result);
        }

        session.MoveTo(SessionState.Authenticated, new AccountBinding(key, result.AccountId, result.SessionId, null));
        return Reply.Ok(new LoginResponse { AccountId = result.AccountId.ToString(), Ticket = ToWire(result.Ticket!), Gateways = { gateways.Advertised } });
    }

    public async ValueTask<Reply> ResumeSessionAsync(ClientSession session, ResumeSessionRequest request)
    {
        // The token names its account; only the account grain can tell whether it is genuine.
        if (!SessionTicketToken.TryParse(request.Token, out var token, out _, out _)
            || token.AccountKey.Length > MaxAccountKeyChars
            || !token.AccountKey.StartsWith("acct:", StringComparison.Ordinal))
        {
            return ErrorCode.TicketInvalid;
        }

        if (bans.Find(session.RemoteAddress) is { } ban)
        {
            return Reply.FailUntil(ErrorCode.AccountBanned, ban.Until);
        }

        var result = await Account(token.AccountKey).ResumeSession(request.Token, Endpoint(session));
        if (result.Error != AccountError.None)
        {
            return Fail(result);
        }

        session.MoveTo(SessionState.Authenticated, new AccountBinding(token.AccountKey, result.AccountId, result.SessionId, null));
        return Reply.Ok(new ResumeSessionResponse
        {
            AccountId = result.AccountId.ToString(),
            Ticket = ToWire(result.Ticket!),
            LastCharacterId = result.LastCharacterId?.ToString() ?? "",
            Gateways = { gateways.Advertised },
        });
    }

    public async ValueTask<Reply> RenewTicketAsync(ClientSession session, RenewTicketRequest request)
    {
        var binding = session.Binding!;
        var result = await Account(binding.AccountKey).RenewTicket(binding.SessionId);
        return result.Error == AccountError.None
            ? Reply.Ok(new RenewTicketResponse { Ticket = ToWire(result.Ticket!) })
            : Fail(result.Error, default);
    }

    public async ValueTask<Reply> LogoutAsync(ClientSession session, LogoutRequest request)
    {
        var binding = session.Binding!;
        await Account(binding.AccountKey).Logout(binding.SessionId);
        if (session.Queued is { } queued)
        {
            await grains.GetGrain<IWorldGrain>(queued.WorldId).LeaveQueue(binding.AccountId);
            session.Queued = null;
        }

        session.MoveTo(SessionState.Connected, null);
        return Reply.Ok(new LogoutResponse());
    }

    public async ValueTask<Reply> ListCharactersAsync(ClientSession session, ListCharactersRequest request)
    {
        var binding = session.Binding!;
        var result = await Account(binding.AccountKey).ListCharacters(binding.SessionId);
        if (result.Error != AccountError.None)
        {
            return Fail(result.Error, default);
        }

        var response = new ListCharactersResponse();
        foreach (var character in result.Characters)
        {
            response.Characters.Add(ToWire(character));
        }

        return Reply.Ok(response);
    }

    public async ValueTask<Reply> CreateCharacterAsync(ClientSession session, CreateCharacterRequest request)
    {
        var binding = session.Binding!;
        var result = await Account(binding.AccountKey).CreateCharacterIn(binding.SessionId, request.Name, request.WorldId);
        return result.Error == AccountError.None
            ? Reply.Ok(new CreateCharacterResponse { Character = ToWire(result.Character!) })
            : Fail(result.Error, default);
    }

    public async ValueTask<Reply> DeleteCharacterAsync(ClientSession session, DeleteCharacterRequest request)
    {
        if (!Guid.TryParse(request.CharacterId, out var characterId))
        {
            return ErrorCode.CharacterNotFound;
        }

        var binding = session.Binding!;
        var error = await Account(binding.AccountKey).DeleteCharacter(binding.SessionId, characterId);
        return error == AccountError.None ? Reply.Ok(new DeleteCharacterResponse()) : Fail(error, default);
    }

    public async ValueTask<Reply> EnterWorldAsync(ClientSession session, EnterWorldRequest request)
    {
        if (!Guid.TryParse(request.CharacterId, out var characterId))
        {
            return ErrorCode.CharacterNotFound;
        }

        var binding = session.Binding!;
        session.BeginEnteringWorld(characterId);
        EnterWorldResult result;
        try
        {
            result = await Account(binding.AccountKey).EnterWorldQueued(binding.SessionId, characterId, NullIfEmpty(request.QueueTicket));
        }
        catch
        {
            session.CancelEnteringWorld();
            throw;
        }

        if (result.Error != AccountError.None)
        {
            session.CancelEnteringWorld();
            return Fail(result.Error, result.Error == AccountError.Busy ? QueueFullRetryAfter : default);
        }

        if (result.Queue is { } place)
        {
            // The world is full: the connection waits, Authenticated, for QueueUpdate pushes.
            session.CancelEnteringWorld();
            session.Queued = (place.WorldId, characterId);
            return Reply.Ok(new EnterWorldResponse { Character = ToWire(result.Character!), Queue = ToWire(place) });
        }

        session.Queued = null;
        session.MoveTo(SessionState.InWorld, binding with { CharacterId = characterId, WorldId = result.Character!.WorldId });
        return Reply.Ok(new EnterWorldResponse
        {
            Character = ToWire(result.Character!),
            Player = WorldWire.ToWire(result.Player!),
            Arrival = WorldWire.ToWire(result.Arrival!),
        });
    }

    public async ValueTask<Reply> LeaveQueueAsync(ClientSession session, LeaveQueueRequest request)
    {
        if (session.Queued is { } queued)
        {
            await grains.GetGrain<IWorldGrain>(queued.WorldId).LeaveQueue(session.Binding!.AccountId);
            session.Queued = null;
        }

        return Reply.Ok(new LeaveQueueResponse());
    }

    /// <summary>Every world with its status and population, and this account's characters in each, from the gateway's copy of the world list.</summary>
    public async ValueTask<Reply> ListWorldsAsync(ClientSession session, ListWorldsRequest request)
    {
        var binding = session.Binding!;
        var characters = await Account(binding.AccountKey).ListCharacters(binding.SessionId);
        if (characters.Error != AccountError.None)
        {
            return Fail(characters.Error, default);
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
                CharacterCount = (uint)characters.Characters.Count(c => c.WorldId == world.WorldId),
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

    public async ValueTask<Reply> LeaveWorldAsync(ClientSession session, LeaveWorldRequest request)
    {
        var binding = session.Binding!;
        var error = await Account(binding.AccountKey).LeaveWorld(binding.SessionId);
        if (error != AccountError.None)
        {
            return Fail(error, default);
        }

        session.MoveTo(SessionState.Authenticated, binding with { CharacterId = null, WorldId = null });
        return Reply.Ok(new LeaveWorldResponse());
    }

    private IAccountGrain Account(string key) => grains.GetGrain<IAccountGrain>(key);

    private SessionEndpoint Endpoint(ClientSession session) =>
        new(identity.GatewayId, session.ConnectionId, identity.Observer, session.RemoteAddress, session.Client, identity.Instance);

    private static string Bound(string text, int max) => text.Length <= max ? text : text[..max];

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    public static QueueStatus ToWire(QueuePlace place) => new()
    {
        WorldId = place.WorldId,
        Position = (uint)place.Position,
        Length = (uint)place.Length,
        Ticket = place.Ticket,
        Ready = place.Ready,
        ReadyForMs = (uint)place.ReadyFor.TotalMilliseconds,
        EstimatedWaitS = (uint)place.EstimatedWait.TotalSeconds,
    };

    private static Reply Fail(SessionResult result) => result.Error == AccountError.AccountBanned
        ? Reply.FailUntil(ErrorCode.AccountBanned, result.Ban?.Until)
        : Fail(result.Error, result.RetryAfter);

    /// <summary>Account outcomes as wire errors. A replaced session also ends the connection.</summary>
    private static Reply Fail(AccountError error, TimeSpan retryAfter) => error switch
    {
        AccountError.SessionReplaced => Reply.FailAndClose(ErrorCode.SessionReplaced, DisconnectReason.LoggedInElsewhere),
        AccountError.UsernameInvalid => ErrorCode.UsernameInvalid,
        AccountError.PasswordInvalid => ErrorCode.PasswordInvalid,
        AccountError.UsernameTaken => ErrorCode.UsernameTaken,
        AccountError.InvalidCredentials => ErrorCode.InvalidCredentials,
        AccountError.LoginThrottled => Reply.Fail(ErrorCode.LoginThrottled, retryAfter),
        AccountError.Busy => Reply.Fail(ErrorCode.Busy, retryAfter),
        AccountError.TicketInvalid => ErrorCode.TicketInvalid,
        AccountError.TicketExpired => ErrorCode.TicketExpired,
        AccountError.TicketAlreadyUsed => ErrorCode.TicketAlreadyUsed,
        AccountError.CharacterNameInvalid => ErrorCode.CharacterNameInvalid,
        AccountError.CharacterNameTaken => ErrorCode.CharacterNameTaken,
        AccountError.CharacterLimitReached => ErrorCode.CharacterLimitReached,
        AccountError.CharacterNotFound => ErrorCode.CharacterNotFound,
        AccountError.WorldUnavailable => ErrorCode.WorldUnavailable,
        AccountError.WorldNotFound => ErrorCode.WorldNotFound,
        AccountError.WorldMaintenance => ErrorCode.WorldMaintenance,
        _ => ErrorCode.InternalError,
    };

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
