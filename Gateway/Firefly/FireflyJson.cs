using System.Buffers;
using System.Text.Json;
using System.Reflection;
using Google.Protobuf.Reflection;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Firefly;

/// <summary>
/// The door's command ids and JSON shapes (docs/firefly.md). Answers are <c>{"result": true, "data": {...}}</c> or
/// <c>{"result": false, "message": "INVALID_CREDENTIALS", "code": 23}</c>, codes and names as in docs/protocol.md.
/// Ids are strings (account and character ids are GUIDs here, where Firefly had integers).
/// </summary>
public static class FireflyJson
{
    public const uint Heartbeat = 100;
    public const uint Login = 101;
    public const uint CreateCharacter = 102;
    public const uint EnterWorld = 103;
    public const uint Move = 104;
    public const uint Chat = 105;
    public const uint WorldUpdatePush = 301;
    public const uint ChatPush = 302;
    public const uint DisconnectPush = 309;

    public static byte[] Success(Action<Utf8JsonWriter> data) => Write(w =>
    {
        w.WriteBoolean("result", true);
        w.WriteStartObject("data");
        data(w);
        w.WriteEndObject();
    });

    public static byte[] Failure(ErrorCode code) => Write(w =>
    {
        w.WriteBoolean("result", false);
        w.WriteString("message", Name(code));
        w.WriteNumber("code", (int)code);
    });

    /// <summary>A push as its command and JSON body; null for frames the door does not forward.</summary>
    public static (uint Command, byte[]? Body) Push(ServerPush push) => push.Message switch
    {
        WorldUpdate update => (WorldUpdatePush, Write(w =>
        {
            w.WriteString("zoneId", update.ZoneId);
            w.WriteStartArray("left");
            foreach (var id in update.Left)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
            w.WriteStartArray("entered");
            foreach (var e in update.Entered)
            {
                w.WriteStartObject();
                w.WriteNumber("id", e.EntityId);
                w.WriteString("characterId", e.CharacterId);
                w.WriteString("name", e.Name);
                w.WriteNumber("level", e.Level);
                w.WriteNumber("x", e.Position?.X ?? 0);
                w.WriteNumber("y", e.Position?.Y ?? 0);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("moved");
            foreach (var m in update.Moved)
            {
                w.WriteStartObject();
                w.WriteNumber("id", m.EntityId);
                w.WriteNumber("x", m.Position?.X ?? 0);
                w.WriteNumber("y", m.Position?.Y ?? 0);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        })),
        ChatMessage chat => (ChatPush, Write(w =>
        {
            w.WriteString("channel", Name(chat.Channel));
            w.WriteString("fromName", chat.FromName);
            w.WriteString("fromCharacterId", chat.FromCharacterId);
            w.WriteString("text", chat.Text);
            w.WriteString("toName", chat.ToName);
            w.WriteNumber("sentAtMs", chat.SentAtMs);
        })),
        _ => (0, null),
    };

    public static byte[] Disconnected(DisconnectInfo info) => Write(w =>
    {
        w.WriteString("reason", info.Reason is { } reason ? Name(reason) : "CONNECTION_LOST");
        w.WriteString("detail", info.Detail ?? "");
    });

    public static void WriteArrival(Utf8JsonWriter w, ZoneArrival arrival)
    {
        w.WriteString("zoneId", arrival.Zone.ZoneId);
        w.WriteNumber("entityId", arrival.EntityId);
        w.WriteNumber("x", arrival.Position?.X ?? 0);
        w.WriteNumber("y", arrival.Position?.Y ?? 0);
        w.WriteStartObject("zone");
        w.WriteNumber("width", arrival.Zone.Width);
        w.WriteNumber("height", arrival.Zone.Height);
        w.WriteNumber("maxSpeed", arrival.Zone.MaxSpeed);
        w.WriteNumber("viewRadius", arrival.Zone.ViewRadius);
        w.WriteEndObject();
    }

    public static string RequiredString(JsonElement request, string name) =>
        OptionalString(request, name) ?? throw new KeyNotFoundException(name);

    public static string? OptionalString(JsonElement request, string name) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>"say", "zone", "world", "whisper" (any case).</summary>
    public static ChatChannel Channel(string name) =>
        Enum.GetValues<ChatChannel>().FirstOrDefault(v => v != ChatChannel.Unspecified && string.Equals(Name(v), name, StringComparison.OrdinalIgnoreCase)) is var channel
            && channel != ChatChannel.Unspecified
            ? channel
            : throw new FormatException($"unknown channel {name}");

    /// <summary>The wire name of an enum value (INVALID_CREDENTIALS), as docs/protocol.md spells it.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? value.ToString();

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
