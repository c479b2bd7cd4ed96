using System.Buffers.Binary;
using OrleansMmo.Protocol;

namespace OrleansMmo.Bots.Raw;

/// <summary>What a WorldUpdate push carried, counted from its fields (see <see cref="RawFrames.CountWorldUpdate"/>).</summary>
public readonly record struct WorldUpdateCounts(int Entered, int Moved, int Left, bool Full)
{
    /// <summary>Entered + moved: what the fan-out benchmark calls entity updates (as the bots count them).</summary>
    public int EntityUpdates => Entered + Moved;
}

/// <summary>The fields of a MoveResponse the driver acts on.</summary>
public readonly record struct MoveAnswer(bool Accepted, bool HasPosition, float X, float Y, int Rejection, bool ZoneChanged);

/// <summary>
/// The frames the raw driver writes and reads without the generated message classes: a Move request written
/// straight into a reused buffer, and the few answers and pushes it counts, read with <see cref="WireReader"/>.
/// Field numbers are those of Protocol/Protos/world.proto and common.proto (stable forever);
/// <c>RawFramesTests</c> checks each against the generated code.
/// </summary>
public static class RawFrames
{
    /// <summary>MoveRequest payload: tag 1 (position, length 10), then Vec2's tag 1 (x, fixed32) and tag 2 (y, fixed32).</summary>
    public const int MovePayloadSize = 12;

    public const int MoveFrameSize = FrameHeader.Size + MovePayloadSize;

    /// <summary>
    /// Writes a whole Move frame (header and MoveRequest) into <paramref name="destination"/>
    /// (<see cref="MoveFrameSize"/> bytes). Both coordinates are always written, zeros included: a proto3
    /// parser reads an explicit default like an absent one, so this is the same message the SDK sends.
    /// </summary>
    public static void WriteMove(Span<byte> destination, uint requestId, float x, float y)
    {
        FrameHeader.Write(destination, MovePayloadSize, (ushort)Opcode.Move, requestId);
        var payload = destination.Slice(FrameHeader.Size, MovePayloadSize);
        payload[0] = (1 << 3) | WireReader.LengthDelimited;
        payload[1] = 10;
        payload[2] = (1 << 3) | WireReader.Fixed32;
        BinaryPrimitives.WriteSingleLittleEndian(payload[3..], x);
        payload[7] = (2 << 3) | WireReader.Fixed32;
        BinaryPrimitives.WriteSingleLittleEndian(payload[8..], y);
    }

    /// <summary>
    /// Counts a WorldUpdate's entries by walking its top-level fields: entered (3) and moved (4) are one nested
    /// message per entry; left (5) is a repeated uint32, packed (one length-delimited run of varints) or not.
    /// </summary>
    public static WorldUpdateCounts CountWorldUpdate(ReadOnlySpan<byte> payload)
    {
        int entered = 0, moved = 0, left = 0;
        var full = false;
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 3 when wireType == WireReader.LengthDelimited:
                    entered++;
                    reader.Skip(wireType);
                    break;
                case 4 when wireType == WireReader.LengthDelimited:
                    moved++;
                    reader.Skip(wireType);
                    break;
                case 5 when wireType == WireReader.LengthDelimited:
                    left += WireReader.CountVarints(reader.ReadLengthDelimited());
                    break;
                case 5 when wireType == WireReader.Varint:
                    left++;
                    reader.Skip(wireType);
                    break;
                case 6 when wireType == WireReader.Varint:
                    full = reader.ReadVarint() != 0;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new WorldUpdateCounts(entered, moved, left, full);
    }

    /// <summary>Reads a MoveResponse: accepted (1), position (2, a Vec2), rejection (3), zone_changed (4).</summary>
    public static MoveAnswer ReadMoveAnswer(ReadOnlySpan<byte> payload)
    {
        var accepted = false;
        var hasPosition = false;
        var changed = false;
        float x = 0, y = 0;
        var rejection = 0;
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case 1 when wireType == WireReader.Varint:
                    accepted = reader.ReadVarint() != 0;
                    break;
                case 2 when wireType == WireReader.LengthDelimited:
                    hasPosition = true;
                    (x, y) = ReadVec2(reader.ReadLengthDelimited());
                    break;
                case 3 when wireType == WireReader.Varint:
                    rejection = (int)reader.ReadVarint();
                    break;
                case 4 when wireType == WireReader.LengthDelimited:
                    changed = true;
                    reader.Skip(wireType);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new MoveAnswer(accepted, hasPosition, x, y, rejection, changed);
    }

    /// <summary>Reads a RespawnResponse: respawned (1) and position (2, a Vec2).</summary>
    public static (bool Respawned, float X, float Y) ReadRespawnAnswer(ReadOnlySpan<byte> payload)
    {
        var respawned = false;
        float x = 0, y = 0;
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1 && wireType == WireReader.Varint)
            {
                respawned = reader.ReadVarint() != 0;
            }
            else if (field == 2 && wireType == WireReader.LengthDelimited)
            {
                (x, y) = ReadVec2(reader.ReadLengthDelimited());
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return (respawned, x, y);
    }

    /// <summary>The code (1) and retry_after_ms (3) of an ErrorResponse.</summary>
    public static (int Code, uint RetryAfterMs) ReadError(ReadOnlySpan<byte> payload)
    {
        int code = 0;
        uint retryAfter = 0;
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1 && wireType == WireReader.Varint)
            {
                code = (int)reader.ReadVarint();
            }
            else if (field == 3 && wireType == WireReader.Varint)
            {
                retryAfter = (uint)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return (code, retryAfter);
    }

    /// <summary>The reason (1) of a DisconnectNotice.</summary>
    public static int ReadDisconnectReason(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1 && wireType == WireReader.Varint)
            {
                return (int)reader.ReadVarint();
            }

            reader.Skip(wireType);
        }

        return 0;
    }

    private static (float X, float Y) ReadVec2(ReadOnlySpan<byte> vec2)
    {
        float x = 0, y = 0;
        var reader = new WireReader(vec2);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 1 && wireType == WireReader.Fixed32)
            {
                x = reader.ReadFloat();
            }
            else if (field == 2 && wireType == WireReader.Fixed32)
            {
                y = reader.ReadFloat();
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return (x, y);
    }
}
