using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Which pushes a client that reads too slowly can do without (<see cref="ClientSession.SendDroppablePush"/>):
/// public chat lines (SAY, ZONE, WORLD: chatter, missed like a line scrolled past) and world updates (the zone is
/// told and sends the whole view again, <c>full</c>). Never responses, errors, whispers (the sender was told the
/// line arrived), system lines (shutdown countdowns), queue or teleport pushes.
/// </summary>
internal static class DroppablePushes
{
    public static bool Includes(ushort opcode, ReadOnlySpan<byte> payload) => opcode switch
    {
        (ushort)Opcode.WorldUpdate => true,
        (ushort)Opcode.ChatMessage => IsPublicChat(payload),
        _ => false,
    };

    /// <summary>
    /// The channel is ChatMessage's field 1, which protobuf writes first (fields go out in number order; an absent
    /// channel is 0): tag 0x08, then the value as a one-byte varint for every channel there is. Read from the
    /// encoded payload, so a push is classified without being parsed.
    /// </summary>
    private static bool IsPublicChat(ReadOnlySpan<byte> payload) =>
        payload.Length >= 2 && payload[0] == 0x08
        && payload[1] is (byte)ChatChannel.Say or (byte)ChatChannel.Zone or (byte)ChatChannel.World;
}
