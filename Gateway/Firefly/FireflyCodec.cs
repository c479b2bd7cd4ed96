using System.Buffers;
using System.Buffers.Binary;

namespace OrleansMmo.Gateway.Firefly;

/// <summary>What every packet of one door must carry: the tag and versions it checks, and its body limit.</summary>
public sealed record FireflyFormat(byte[] Tag, byte Version, uint ServerVersion, int MaxBodyBytes);

public readonly record struct FireflyPacket(uint Command, ReadOnlySequence<byte> Body);

public enum FireflyReadStatus
{
    Complete,
    Incomplete,
    /// <summary>Wrong tag or versions, or a length that cannot hold the command id: Firefly drops such a client.</summary>
    Invalid,
    /// <summary>The body is over <see cref="FireflyFormat.MaxBodyBytes"/>.</summary>
    TooLarge,
}

/// <summary>
/// Firefly's packet (the seeds' <c>DataPackProtoc</c>, <c>struct.pack('!sssss3I', ...)</c>). Checked against the
/// documents' example, whose header reads tag "N%&amp;0", version 9, server version 0, length 46 (the 42-byte
/// body + 4) and command 101:
/// <code>
/// offset size field
///      0    4 tag             "N%&amp;0" (HEAD_0..HEAD_3)
///      4    1 version         9 (protoVersion)
///      5    4 server version  0, uint32 big-endian
///      9    4 length          body bytes + 4: the command id counts, uint32 big-endian
///     13    4 command id      uint32 big-endian
///     17    n body            UTF-8 JSON (the example's ends with a newline)
/// </code>
/// Pure: no sockets; the length is checked on the header alone.
/// </summary>
public static class FireflyCodec
{
    public const int HeaderSize = 17;

    public static FireflyReadStatus TryRead(ref ReadOnlySequence<byte> buffer, FireflyFormat format, out FireflyPacket packet)
    {
        packet = default;
        if (buffer.Length < HeaderSize)
        {
            return FireflyReadStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (!header[..4].SequenceEqual(format.Tag) || header[4] != format.Version
            || BinaryPrimitives.ReadUInt32BigEndian(header[5..]) != format.ServerVersion)
        {
            return FireflyReadStatus.Invalid;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[9..]);
        if (length < 4)
        {
            return FireflyReadStatus.Invalid;
        }

        var bodyLength = length - 4;
        if (bodyLength > (uint)format.MaxBodyBytes)
        {
            return FireflyReadStatus.TooLarge;
        }

        if (buffer.Length - HeaderSize < bodyLength)
        {
            return FireflyReadStatus.Incomplete;
        }

        var body = buffer.Slice(HeaderSize, bodyLength);
        packet = new FireflyPacket(BinaryPrimitives.ReadUInt32BigEndian(header[13..]), body);
        buffer = buffer.Slice(body.End);
        return FireflyReadStatus.Complete;
    }

    public static void Write(IBufferWriter<byte> writer, FireflyFormat format, uint command, ReadOnlySpan<byte> body)
    {
        var span = writer.GetSpan(HeaderSize + body.Length);
        format.Tag.CopyTo(span);
        span[4] = format.Version;
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], format.ServerVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], (uint)body.Length + 4);
        BinaryPrimitives.WriteUInt32BigEndian(span[13..], command);
        body.CopyTo(span[HeaderSize..]);
        writer.Advance(HeaderSize + body.Length);
    }
}
