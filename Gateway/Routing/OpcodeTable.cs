using System.Collections.Frozen;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using static OrleansMmo.Gateway.Sessions.SessionState;

namespace OrleansMmo.Gateway.Routing;

/// <summary>Every opcode the gateway accepts, written out by hand: this table is the client surface.</summary>
public sealed class OpcodeTable
{
    private readonly FrozenDictionary<ushort, Route> _routes;

    public OpcodeTable(GatewayHandlers h, WorldHandlers w)
    {
        Routes =
        [
            Route.Create(Opcode.Hello, HelloRequest.Parser, Handshaking, h.HelloAsync, changesState: true),
            Route.Create(Opcode.Ping, PingRequest.Parser, AfterHello, h.PingAsync),

            Route.Create(Opcode.Register, RegisterRequest.Parser, Connected, h.RegisterAsync),
            Route.Create(Opcode.Login, LoginRequest.Parser, Connected, h.LoginAsync, changesState: true),
            Route.Create(Opcode.ResumeSession, ResumeSessionRequest.Parser, Connected, h.ResumeSessionAsync, changesState: true),
            Route.Create(Opcode.RenewTicket, RenewTicketRequest.Parser, LoggedIn, h.RenewTicketAsync),
            Route.Create(Opcode.Logout, LogoutRequest.Parser, LoggedIn, h.LogoutAsync, changesState: true),

            Route.Create(Opcode.ListCharacters, ListCharactersRequest.Parser, Authenticated, h.ListCharactersAsync),
            Route.Create(Opcode.CreateCharacter, CreateCharacterRequest.Parser, Authenticated, h.CreateCharacterAsync),
            Route.Create(Opcode.DeleteCharacter, DeleteCharacterRequest.Parser, Authenticated, h.DeleteCharacterAsync),
            Route.Create(Opcode.EnterWorld, EnterWorldRequest.Parser, Authenticated, h.EnterWorldAsync, changesState: true),
            Route.Create(Opcode.LeaveWorld, LeaveWorldRequest.Parser, InWorld, h.LeaveWorldAsync, changesState: true),

            Route.Create(Opcode.Move, MoveRequest.Parser, InWorld, w.MoveAsync),
            Route.Create(Opcode.GetPlayer, GetPlayerRequest.Parser, InWorld, w.GetPlayerAsync),
            Route.Create(Opcode.Attack, AttackRequest.Parser, InWorld, w.AttackAsync),
            Route.Create(Opcode.Respawn, RespawnRequest.Parser, InWorld, w.RespawnAsync),
            Route.Create(Opcode.Chat, ChatRequest.Parser, InWorld, w.ChatAsync),
        ];
        _routes = Routes.ToFrozenDictionary(r => (ushort)r.Opcode);
    }

    public IReadOnlyList<Route> Routes { get; }

    public bool TryGet(ushort opcode, out Route route) => _routes.TryGetValue(opcode, out route!);
}
