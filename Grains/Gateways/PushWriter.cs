using System.Buffers;
using Google.Protobuf;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// Collects push frames for one gateway into the flat arrays of a <see cref="PushBatch"/>. A
/// protobuf message is a concatenation of its fields, so a payload can be assembled from field
/// chunks encoded once and copied to every recipient: see <see cref="WriteRaw"/>. Written through
/// <see cref="GatewayFanout"/>, which sends it.
/// </summary>
public sealed class PushWriter
{
    private readonly ArrayBufferWriter<byte> _payload = new(4096);
    private readonly List<long> _connections = [];
    private readonly List<Guid> _characters = [];
    private readonly List<ushort> _opcodes = [];
    private readonly List<int> _ends = [];

    public int Count => _connections.Count;

    /// <summary>The character each frame is for (<see cref="Guid.Empty"/> for a broadcast), in order.</summary>
    public IReadOnlyList<Guid> Characters => _characters;

    public void Clear()
    {
        _payload.ResetWrittenCount();
        _connections.Clear();
        _characters.Clear();
        _opcodes.Clear();
        _ends.Clear();
    }

    /// <summary>Starts the frame for one recipient; write its payload, then call <see cref="EndFrame"/>.</summary>
    public void BeginFrame(PlayerSession session, Guid characterId, ushort opcode) => BeginFrame(session.ConnectionId, characterId, opcode);

    /// <summary>Starts the frame for one connection (for a character not in the world yet: a queued one).</summary>
    public void BeginFrame(long connectionId, Guid characterId, ushort opcode)
    {
        _connections.Add(connectionId);
        _characters.Add(characterId);
        _opcodes.Add(opcode);
    }

    /// <summary>A whole frame with a ready payload.</summary>
    public void WriteFrame(PlayerSession session, Guid characterId, ushort opcode, ReadOnlySpan<byte> payload)
    {
        BeginFrame(session, characterId, opcode);
        WriteRaw(payload);
        EndFrame();
    }

    /// <summary>A frame for every in-world connection of the gateway (world chat, announcements).</summary>
    public void WriteBroadcast(ushort opcode, ReadOnlySpan<byte> payload)
    {
        _connections.Add(PushBatch.Everyone);
        _characters.Add(Guid.Empty);
        _opcodes.Add(opcode);
        WriteRaw(payload);
        EndFrame();
    }

    public void EndFrame() => _ends.Add(_payload.WrittenCount);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => _payload.Write(bytes);

    /// <summary>Writes an embedded-message field: tag, length, message.</summary>
    public void WriteMessageField(int field, IMessage message) => WriteMessageField(_payload, field, message);

    public void WriteVarintField(int field, ulong value) => WriteVarintField(_payload, field, value);

    public PushBatch ToBatch(string source, long tick) => new()
    {
        Source = source,
        Tick = tick,
        ConnectionIds = [.. _connections],
        CharacterIds = [.. _characters],
        Opcodes = [.. _opcodes],
        Ends = [.. _ends],
        Payload = _payload.WrittenSpan.ToArray(),
    };

    public static void WriteMessageField(IBufferWriter<byte> output, int field, IMessage message)
    {
        var size = message.CalculateSize();
        var span = output.GetSpan(10 + 5 + size);
        var at = WriteVarint(span, ((ulong)field << 3) | (ulong)WireFormat.WireType.LengthDelimited);
        at += WriteVarint(span[at..], (ulong)size);
        message.WriteTo(span.Slice(at, size));
        output.Advance(at + size);
    }

    public static void WriteVarintField(IBufferWriter<byte> output, int field, ulong value)
    {
        var span = output.GetSpan(20);
        var at = WriteVarint(span, ((ulong)field << 3) | (ulong)WireFormat.WireType.Varint);
        at += WriteVarint(span[at..], value);
        output.Advance(at);
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }
}
