using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

public sealed partial class MmoClient
{
    /// <summary>
    /// Tells the server the character is now at (<paramref name="x"/>, <paramref name="y"/>). A move
    /// the server rejects comes back with <c>Accepted = false</c> and the position to adopt; one
    /// that enters a portal comes back with <c>ZoneChanged</c> set.
    /// </summary>
    public Task<MoveResponse> MoveAsync(float x, float y, CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.Move, new MoveRequest { Position = new Vec2 { X = x, Y = y } }, MoveResponse.Parser, cancellationToken);

    /// <summary>The character's own state: level, gold, inventory, zone and position.</summary>
    public async Task<PlayerInfo> GetPlayerAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendRequestAsync(Opcode.GetPlayer, new GetPlayerRequest(), GetPlayerResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response.Player;
    }

    /// <summary>
    /// Attacks an entity in view (a creature, or a player where the zone allows PvP). A refused
    /// attack is no error: <c>Hit = false</c> and <c>Refusal</c> says why (out of range, cooldown with
    /// <c>RetryAfterMs</c>, ...). A kill reports experience, level and the loot already in the inventory.
    /// </summary>
    public Task<AttackResponse> AttackAsync(uint targetEntityId, CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.Attack, new AttackRequest { TargetEntityId = targetEntityId }, AttackResponse.Parser, cancellationToken);

    /// <summary>A dead character rises at its zone's graveyard with full health; <c>Respawned = false</c> if it was alive.</summary>
    public Task<RespawnResponse> RespawnAsync(CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.Respawn, new RespawnRequest(), RespawnResponse.Parser, cancellationToken);

    /// <summary>Says something on <paramref name="channel"/>; for <see cref="ChatChannel.Whisper"/> name the receiver in <paramref name="toName"/>.</summary>
    public Task ChatAsync(ChatChannel channel, string text, string toName = "", CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.Chat, new ChatRequest { Channel = channel, Text = text, ToName = toName }, ChatResponse.Parser, cancellationToken);

    public Task SayAsync(string text, CancellationToken cancellationToken = default) => ChatAsync(ChatChannel.Say, text, "", cancellationToken);

    public Task WhisperAsync(string toName, string text, CancellationToken cancellationToken = default) =>
        ChatAsync(ChatChannel.Whisper, text, toName, cancellationToken);
}
