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

    public OpcodeTable(GatewayHandlers h, WorldHandlers w, GmHandlers gm)
    {
        Routes =
        [
            Route.Inline(Opcode.Hello, HelloRequest.Parser, Handshaking, h.Hello),
            Route.Inline(Opcode.Ping, PingRequest.Parser, AfterHello, h.Ping),

            Route.Create(Opcode.Register, RegisterRequest.Parser, Connected, h.RegisterAsync),
            Route.Create(Opcode.Login, LoginRequest.Parser, Connected, h.LoginAsync),
            Route.Create(Opcode.ResumeSession, ResumeSessionRequest.Parser, Connected, h.ResumeSessionAsync),
            Route.ForAccount(Opcode.RenewTicket, RenewTicketRequest.Parser, LoggedIn, h.RenewTicketAsync),
            Route.ForAccount(Opcode.Logout, LogoutRequest.Parser, LoggedIn, h.LogoutAsync),

            Route.ForAccount(Opcode.ListCharacters, ListCharactersRequest.Parser, Authenticated, h.ListCharactersAsync),
            Route.ForAccount(Opcode.CreateCharacter, CreateCharacterRequest.Parser, Authenticated, h.CreateCharacterAsync),
            Route.ForAccount(Opcode.DeleteCharacter, DeleteCharacterRequest.Parser, Authenticated, h.DeleteCharacterAsync),
            Route.ForAccount(Opcode.ListWorlds, ListWorldsRequest.Parser, Authenticated, h.ListWorldsAsync),
            Route.ForAccount(Opcode.EnterWorld, EnterWorldRequest.Parser, Authenticated, h.EnterWorldAsync),
            Route.ForAccount(Opcode.LeaveWorld, LeaveWorldRequest.Parser, InWorld, h.LeaveWorldAsync),
            Route.ForAccount(Opcode.LeaveQueue, LeaveQueueRequest.Parser, Authenticated, h.LeaveQueueAsync),

            Route.ForCharacter(Opcode.Move, MoveRequest.Parser, w.MoveAsync),
            Route.ForCharacter(Opcode.GetPlayer, GetPlayerRequest.Parser, w.GetPlayerAsync),
            Route.ForCharacter(Opcode.Attack, AttackRequest.Parser, w.AttackAsync),
            Route.ForCharacter(Opcode.Respawn, RespawnRequest.Parser, w.RespawnAsync),
            Route.ForCharacter(Opcode.Chat, ChatRequest.Parser, w.ChatAsync),

            Route.ForCharacter(Opcode.Gm, GmRequest.Parser, gm.GmAsync),
        ];
        _routes = Routes.ToFrozenDictionary(r => (ushort)r.Opcode);
    }

    public IReadOnlyList<Route> Routes { get; }

    public bool TryGet(ushort opcode, out Route route) => _routes.TryGetValue(opcode, out route!);
}
