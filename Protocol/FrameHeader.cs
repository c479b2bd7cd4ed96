using System.Buffers.Binary;

namespace OrleansMmo.Protocol;

/// <summary>
/// The fixed 12-byte header in front of every frame. All integers big-endian (network order).
/// <code>
/// offset size field
///      0    4 payload length  bytes after the header; 0 allowed; over the limit closes the connection
///      4    2 opcode          see <see cref="Opcode"/>
///      6    2 flags           reserved, must be 0 (a non-zero value is a malformed frame)
///      8    4 request id      chosen by the client, echoed in the response; 0 on server pushes
/// </code>
/// The payload is one protobuf message, the one the opcode names.
/// </summary>
public readonly record struct FrameHeader(uint PayloadLength, ushort Opcode, ushort Flags, uint RequestId)
{
    public const int Size = 12;

    public static void Write(Span<byte> destination, uint payloadLength, ushort opcode, uint requestId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], opcode);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], requestId);
    }
}
