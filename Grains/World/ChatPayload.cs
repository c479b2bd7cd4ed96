using System.Text;
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

    /// <summary>
    /// Whether players may send <paramref name="text"/>: not empty or blank, at most
    /// <paramref name="maxLength"/> characters, counted as Unicode scalar values (an emoji outside
    /// the BMP is one, not two UTF-16 units), no control characters (they would let one player
    /// forge line breaks or escape sequences in another's chat window).
    /// </summary>
    public static bool IsAcceptable(string? text, int maxLength)
    {
        // A scalar value is one or two UTF-16 units: only the range in between needs counting.
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2 * maxLength)
        {
            return false;
        }

        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (++length > maxLength || Rune.IsControl(rune))
            {
                return false;
            }
        }

        return true;
    }
}
