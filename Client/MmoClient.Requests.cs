using Google.Protobuf;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

// The typed request API: one method per request opcode, in opcode order.
public sealed partial class MmoClient
{
    /// <summary>Measures a round trip. <paramref name="echo"/> comes back unchanged in the result.</summary>
    public async Task<PingResult> PingAsync(ReadOnlyMemory<byte> echo = default, CancellationToken cancellationToken = default)
    {
        var request = new PingRequest
        {
            ClientTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Echo = echo.IsEmpty ? ByteString.Empty : ByteString.CopyFrom(echo.Span),
        };
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var response = await SendRequestAsync(Opcode.Ping, request, PingResponse.Parser, cancellationToken).ConfigureAwait(false);
        return new PingResult(
            System.Diagnostics.Stopwatch.GetElapsedTime(started),
            DateTimeOffset.FromUnixTimeMilliseconds(response.ServerTimeMs),
            response.Echo);
    }

    /// <summary>Creates an account; returns its id. Does not log in.</summary>
    public async Task<string> RegisterAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var request = new RegisterRequest { Username = username, Password = password };
        var response = await SendRequestAsync(Opcode.Register, request, RegisterResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response.AccountId;
    }

    /// <summary>Logs in (the connection becomes Authenticated). A login elsewhere to the same account is kicked.</summary>
    public Task<LoginResult> LoginAsync(string username, string password, CancellationToken cancellationToken = default) =>
        LoginAsync(username, password, deviceToken: null, cancellationToken);

    /// <summary>
    /// Logs in with the <paramref name="deviceToken"/> an earlier login of this account on this device answered
    /// (<see cref="LoginResult.DeviceToken"/>; null for none). With it, guesses by others behind the same address
    /// cannot get this login throttled. Keep the result's token in place of the one sent.
    /// </summary>
    public async Task<LoginResult> LoginAsync(string username, string password, string? deviceToken, CancellationToken cancellationToken = default)
    {
        var request = new LoginRequest { Username = username, Password = password, DeviceToken = deviceToken ?? "" };
        var response = await SendRequestAsync(Opcode.Login, request, LoginResponse.Parser, cancellationToken).ConfigureAwait(false);
        _accountId = response.AccountId;
        _currentTicket = response.Ticket;
        _knownGateways = response.Gateways;
        return new LoginResult(response.AccountId, response.Ticket)
        {
            Gateways = response.Gateways,
            DeviceToken = response.DeviceToken.Length > 0 ? response.DeviceToken : null,
        };
    }

    /// <summary>Authenticates this connection with a ticket from an earlier one (on any gateway).
    /// The ticket is spent; the result carries its replacement.</summary>
    public async Task<ResumeSessionResult> ResumeSessionAsync(string token, CancellationToken cancellationToken = default)
    {
        var request = new ResumeSessionRequest { Token = token };
        var response = await SendRequestAsync(Opcode.ResumeSession, request, ResumeSessionResponse.Parser, cancellationToken).ConfigureAwait(false);
        _accountId = response.AccountId;
        _currentTicket = response.Ticket;
        _knownGateways = response.Gateways;
        return new ResumeSessionResult(
            response.AccountId,
            response.Ticket,
            response.LastCharacterId.Length > 0 ? response.LastCharacterId : null)
        {
            Gateways = response.Gateways,
        };
    }

    /// <summary>Gets a fresh ticket for this session; the previous one stops working.</summary>
    public async Task<SessionTicket> RenewTicketAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendRequestAsync(Opcode.RenewTicket, new RenewTicketRequest(), RenewTicketResponse.Parser, cancellationToken).ConfigureAwait(false);
        _currentTicket = response.Ticket;
        return response.Ticket;
    }

    /// <summary>Ends the session; the connection stays open, back in the Connected state.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        await SendRequestAsync(Opcode.Logout, new LogoutRequest(), LogoutResponse.Parser, cancellationToken).ConfigureAwait(false);
        _accountId = null;
        _currentTicket = null;
    }

    public async Task<IReadOnlyList<CharacterSummary>> ListCharactersAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendRequestAsync(Opcode.ListCharacters, new ListCharactersRequest(), ListCharactersResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response.Characters;
    }

    /// <summary>Creates a character in <paramref name="worldId"/> (null: the default world); names are unique per world.</summary>
    public async Task<CharacterSummary> CreateCharacterAsync(string name, string? worldId = null, CancellationToken cancellationToken = default)
    {
        var request = new CreateCharacterRequest { Name = name, WorldId = worldId ?? "" };
        var response = await SendRequestAsync(Opcode.CreateCharacter, request, CreateCharacterResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response.Character;
    }

    public async Task DeleteCharacterAsync(string characterId, CancellationToken cancellationToken = default)
    {
        var request = new DeleteCharacterRequest { CharacterId = characterId };
        await SendRequestAsync(Opcode.DeleteCharacter, request, DeleteCharacterResponse.Parser, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plays as this character from now on (the connection becomes InWorld): the answer holds its
    /// state and where it stands; WorldUpdate pushes follow. When the world is full the answer holds
    /// <c>Queue</c> instead (the connection stays Authenticated): see <see cref="EnterWorldThroughQueueAsync"/>.
    /// </summary>
    public Task<EnterWorldResponse> EnterWorldAsync(string characterId, CancellationToken cancellationToken = default) =>
        EnterWorldAsync(characterId, null, cancellationToken);

    /// <summary>EnterWorld with a queue ticket: keeps a place in the queue (after a reconnect), or takes one's turn.</summary>
    public Task<EnterWorldResponse> EnterWorldAsync(string characterId, string? queueTicket, CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.EnterWorld, new EnterWorldRequest { CharacterId = characterId, QueueTicket = queueTicket ?? "" }, EnterWorldResponse.Parser, cancellationToken);

    /// <summary>Every world with its status and population, and this account's characters there.</summary>
    public async Task<IReadOnlyList<WorldInfo>> ListWorldsAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendRequestAsync(Opcode.ListWorlds, new ListWorldsRequest(), ListWorldsResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response.Worlds;
    }

    /// <summary>Gives up the place in a world's queue.</summary>
    public async Task LeaveQueueAsync(CancellationToken cancellationToken = default)
    {
        await SendRequestAsync(Opcode.LeaveQueue, new LeaveQueueRequest(), LeaveQueueResponse.Parser, cancellationToken).ConfigureAwait(false);
        _queueStatus = null;
    }

    /// <summary>Back to character selection (the connection returns to Authenticated).</summary>
    public async Task LeaveWorldAsync(CancellationToken cancellationToken = default)
    {
        await SendRequestAsync(Opcode.LeaveWorld, new LeaveWorldRequest(), LeaveWorldResponse.Parser, cancellationToken).ConfigureAwait(false);
    }
}
