using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol.Messages;
using static OrleansMmo.Gateway.Handlers.WorldWire;
using GrainChannel = OrleansMmo.Grains.World.ChatChannel;
using MoveRejection = OrleansMmo.Protocol.Messages.MoveRejection;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>
/// In-world opcodes. The character is always the one bound to the connection at EnterWorld, never
/// an id from the request, so a client can act for no other character.
/// </summary>
public sealed class WorldHandlers(IGrainFactory grains)
{
    public async ValueTask<Reply> MoveAsync(ClientSession session, MoveRequest request)
    {
        var position = FromWire(request.Position);
        var result = await WithAttachmentAsync(session, (player, sessionId) => player.Move(sessionId, position), r => r.Error);
        if (result.Error != WorldError.None)
        {
            return Fail(result.Error, default);
        }

        var response = new MoveResponse
        {
            Accepted = result.Accepted,
            Position = WorldWire.ToWire(result.Position),
            Rejection = (MoveRejection)result.Rejection,
        };
        if (result.ZoneChanged is { } arrival)
        {
            response.ZoneChanged = WorldWire.ToWire(arrival);
        }

        return Reply.Ok(response);
    }

    public async ValueTask<Reply> GetPlayerAsync(ClientSession session, GetPlayerRequest request)
    {
        var result = await WithAttachmentAsync(session, (player, sessionId) => player.GetInfo(sessionId), r => r.Error);
        return result.Error == WorldError.None
            ? Reply.Ok(new GetPlayerResponse { Player = WorldWire.ToWire(result.Player!) })
            : Fail(result.Error, default);
    }

    public async ValueTask<Reply> AttackAsync(ClientSession session, AttackRequest request)
    {
        var result = await WithAttachmentAsync(session, (player, sessionId) => player.Attack(sessionId, request.TargetEntityId), r => r.Error);
        return result.Error == WorldError.None ? Reply.Ok(WorldWire.ToWire(result)) : Fail(result.Error, default);
    }

    public async ValueTask<Reply> RespawnAsync(ClientSession session, RespawnRequest request)
    {
        var result = await WithAttachmentAsync(session, (player, sessionId) => player.Respawn(sessionId), r => r.Error);
        return result.Error == WorldError.None
            ? Reply.Ok(new RespawnResponse { Respawned = result.Respawned, Position = WorldWire.ToWire(result.Position), Health = (uint)Math.Max(0, result.Health) })
            : Fail(result.Error, default);
    }

    public async ValueTask<Reply> ChatAsync(ClientSession session, ChatRequest request)
    {
        var channel = (GrainChannel)request.Channel;
        if (!Enum.IsDefined(channel))
        {
            return ErrorCode.ChatChannelInvalid;
        }

        var result = await WithAttachmentAsync(session, (player, sessionId) => player.Chat(sessionId, channel, request.Text, request.ToName), r => r.Error);
        return result.Error == WorldError.None ? Reply.Ok(new ChatResponse()) : Fail(result.Error, result.RetryAfter);
    }

    /// <summary>
    /// Runs a player call; if the player grain has no session (it was re-activated after a silo
    /// failed), attaches again through the account, which re-checks the session, and retries once.
    /// The client sees no error, at most a zone_changed on its next move.
    /// </summary>
    private async Task<T> WithAttachmentAsync<T>(ClientSession session, Func<IPlayerGrain, Guid, Task<T>> call, Func<T, WorldError> errorOf)
    {
        var binding = session.Binding!;
        var player = grains.GetGrain<IPlayerGrain>(binding.CharacterId!.Value);
        var result = await call(player, binding.SessionId);
        if (errorOf(result) != WorldError.NotAttached)
        {
            return result;
        }

        var attached = await grains.GetGrain<IAccountGrain>(binding.AccountKey).EnterWorld(binding.SessionId, binding.CharacterId.Value);
        return attached.Error == AccountError.None ? await call(player, binding.SessionId) : result;
    }

    private static Reply Fail(WorldError error, TimeSpan retryAfter) => error switch
    {
        WorldError.SessionReplaced => Reply.FailAndClose(ErrorCode.SessionReplaced, DisconnectReason.LoggedInElsewhere),
        WorldError.ChatRateLimited => Reply.Fail(ErrorCode.ChatRateLimited, retryAfter),
        _ => WorldWire.ToWire(error),
    };
}
