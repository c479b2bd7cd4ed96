using Google.Protobuf;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World;

/// <summary>Chat lines as ChatMessage push payloads, encoded once however many receive them.</summary>
public static class ChatPayload
{
    public static byte[] Encode(ChatLine line) => new Wire.ChatMessage
    {
        Channel = (Wire.ChatChannel)line.Channel,
        FromCharacterId = line.FromCharacterId == Guid.Empty ? "" : line.FromCharacterId.ToString(),
        FromName = line.FromName,
        Text = line.Text,
        SentAtMs = line.SentAt.ToUnixTimeMilliseconds(),
        ToName = line.ToName,
    }.ToByteArray();
}
