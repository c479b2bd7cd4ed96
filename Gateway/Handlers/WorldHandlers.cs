using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains;
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
public sealed partial class WorldHandlers(IGrainFactory grains)
{
    public async ValueTask<Reply> MoveAsync(ClientSession session, PlayingCharacter playing, MoveRequest request)
    {
        // Judged when the move's turn comes, before any grain hears of it: the zone is shared.
        if (!session.MoveRate.TryTake(out var retryAfter))
        {
            return Reply.Fail(ErrorCode.MoveRateLimited, retryAfter);
        }

        var position = FromWire(request.Position);
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.Move(sessionId, position), r => r.Failure.Error);
        if (!result.TryGetValue(out var outcome, out var failure))
        {
            return failure;
        }

        var response = new MoveResponse
        {
            Accepted = outcome.Accepted,
            Position = WorldWire.ToWire(outcome.Position),
            Rejection = (MoveRejection)outcome.Rejection,
        };
        if (outcome.ZoneChanged is { } arrival)
        {
            response.ZoneChanged = WorldWire.ToWire(arrival);
        }

        return Reply.Ok(response);
    }

    public async ValueTask<Reply> GetPlayerAsync(ClientSession session, PlayingCharacter playing, GetPlayerRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.GetInfo(sessionId), r => r.Failure.Error);
        return result.TryGetValue(out var snapshot, out var failure)
            ? Reply.Ok(new GetPlayerResponse { Player = WorldWire.ToWire(snapshot) })
            : failure;
    }

    public async ValueTask<Reply> AttackAsync(ClientSession session, PlayingCharacter playing, AttackRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.Attack(sessionId, request.TargetEntityId), r => r.Failure.Error);
        return result.TryGetValue(out var outcome, out var failure) ? Reply.Ok(WorldWire.ToWire(outcome)) : failure;
    }

    public async ValueTask<Reply> RespawnAsync(ClientSession session, PlayingCharacter playing, RespawnRequest request)
    {
        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.Respawn(sessionId), r => r.Failure.Error);
        return result.TryGetValue(out var outcome, out var failure)
            ? Reply.Ok(new RespawnResponse { Respawned = outcome.Respawned, Position = WorldWire.ToWire(outcome.Position), Health = (uint)Math.Max(0, outcome.Health) })
            : failure;
    }

    public async ValueTask<Reply> ChatAsync(ClientSession session, PlayingCharacter playing, ChatRequest request)
    {
        var channel = (GrainChannel)request.Channel;
        if (!Enum.IsDefined(channel))
        {
            return GameError.ChatChannelInvalid;
        }

        var result = await WithAttachmentAsync(playing, (player, sessionId) => player.Chat(sessionId, channel, request.Text, request.ToName), r => r.Failure.Error);
        return result.Failed(out var failure) ? failure : Reply.Ok(new ChatResponse());
    }

    /// <summary>
    /// Runs a player call; if the player grain has no session (it was re-activated after a silo
    /// failed), attaches again through the account, which re-checks the session, and retries once.
    /// The client sees no error, at most a zone_changed on its next move.
    /// </summary>
    private async Task<T> WithAttachmentAsync<T>(PlayingCharacter playing, Func<IPlayerGrain, Guid, Task<T>> call, Func<T, GameError> errorOf)
    {
        var player = playing.Player(grains);
        var result = await call(player, playing.SessionId);
        if (errorOf(result) != GameError.NotAttached)
        {
            return result;
        }

        var attached = await grains.GetGrain<IAccountGrain>(playing.AccountKey).EnterWorld(playing.SessionId, playing.CharacterId);
        return attached.Succeeded ? await call(player, playing.SessionId) : result;
    }
}
