using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Operations;
using GrainGmAction = OrleansMmo.Grains.Operations.GmAction;
using OrleansMmo.Protocol.Messages;
using GrainPosition = OrleansMmo.Grains.World.Position;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>
/// The GM request: wire message to an operator command, run by the operator grain with the role of the
/// connection's account (checked there, against the live session), answer back to the wire.
/// </summary>
public sealed class GmHandlers(IGrainFactory grains)
{
    private const int MaxTextChars = 1000;

    public async ValueTask<Reply> GmAsync(ClientSession session, PlayingCharacter playing, GmRequest request)
    {
        if (request.Text.Length > MaxTextChars || request.Reason.Length > MaxTextChars || request.Target.Length > MaxTextChars)
        {
            return Reply.Ok(new GmResponse { Outcome = GmOutcome.Invalid, Message = $"texts are at most {MaxTextChars} characters" });
        }

        var command = new GmCommand(
            (GrainGmAction)request.Action,
            request.Target,
            request.Position is null && request.ToCharacter.Length == 0
                ? null
                : new TeleportDestination(request.ZoneId, request.Position is { } p ? new GrainPosition(p.X, p.Y) : null, request.ToCharacter),
            request.DurationMs == 0 ? null : TimeSpan.FromMilliseconds(Math.Min(request.DurationMs, (ulong)TimeSpan.FromDays(36500).TotalMilliseconds)),
            request.Reason,
            request.ItemId.Length == 0 && request.Gold == 0 ? null : new InventoryChange(request.ItemId, request.ItemCount, request.Gold),
            request.Text,
            (int)Math.Min(request.Offset, int.MaxValue),
            (int)Math.Min(request.Limit, 500));
        var gm = new GameOperator(playing.AccountKey, playing.SessionId, playing.Account.WorldId ?? "", session.RemoteAddress);
        var result = await grains.GetGrain<IOperatorGrain>(0).ExecuteGm(gm, command);
        if (!result.IsOperator)
        {
            return Reply.Fail(ErrorCode.Forbidden);
        }

        var response = new GmResponse { Outcome = (GmOutcome)result.Outcome, Message = result.Message };
        if (result.Lookup is { } lookup)
        {
            response.Player = ToWire(lookup);
        }

        if (result.Online is { } page)
        {
            response.OnlineTotal = (uint)page.Total;
            foreach (var player in page.Players)
            {
                response.Online.Add(new GmOnlinePlayer
                {
                    WorldId = player.WorldId,
                    CharacterName = player.CharacterName,
                    Username = player.Username,
                    GatewayId = player.GatewayId,
                    InWorldSinceMs = player.InWorldSince.ToUnixTimeMilliseconds(),
                });
            }
        }

        return Reply.Ok(response);
    }

    private static GmPlayer ToWire(PlayerLookup lookup)
    {
        var account = lookup.Account;
        var player = new GmPlayer
        {
            Username = account.Username,
            Role = account.Role.ToString(),
            Online = account.Connected,
            GatewayId = account.GatewayId ?? "",
            LastLoginMs = account.LastLoginAt?.ToUnixTimeMilliseconds() ?? 0,
            PlayTimeMs = (long)lookup.PlayTime.Total.TotalMilliseconds,
            BannedUntilMs = account.Ban is null ? 0 : account.Ban.Until?.ToUnixTimeMilliseconds() ?? -1,
        };
        if (lookup.Character is { } character)
        {
            player.WorldId = character.WorldId;
            player.CharacterName = character.Name;
            player.ZoneId = character.ZoneId;
            player.Position = WorldWire.ToWire(character.Position);
            player.Level = (uint)character.Level;
            player.Online = character.InWorld;
            player.GatewayId = character.GatewayId ?? player.GatewayId;
            player.MutedUntilMs = character.MutedUntil?.ToUnixTimeMilliseconds() ?? 0;
        }

        return player;
    }
}
