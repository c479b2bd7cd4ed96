using System.Buffers;
using Google.Protobuf;

namespace OrleansMmo.Protocol;

/// <summary>One decoded frame. <see cref="Payload"/> points into the reader's buffer: consume it before advancing.</summary>
public readonly struct Frame(ushort opcode, uint requestId, ReadOnlySequence<byte> payload)
{
    public ushort Opcode { get; } = opcode;
    public uint RequestId { get; } = requestId;
    public ReadOnlySequence<byte> Payload { get; } = payload;
}

public enum FrameReadStatus
{
    /// <summary>A whole frame was read and the buffer advanced past it.</summary>
    Complete,
    /// <summary>Not enough bytes yet; the buffer is untouched.</summary>
    Incomplete,
    /// <summary>The header declares a payload over the limit. The stream cannot be resynchronised.</summary>
    TooLarge,
    /// <summary>The header is invalid (reserved flags set). The stream cannot be resynchronised.</summary>
    Malformed,
}

/// <summary>Frame encoding and decoding. Pure: touches no socket, allocates nothing per frame.</summary>
public static class FrameCodec
{
    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/>. On <see cref="FrameReadStatus.Complete"/>
    /// the buffer is sliced past the frame; otherwise it is left as it was.
    /// The length check happens on the header alone, before any payload is buffered.
    /// </summary>
    public static FrameReadStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxPayloadBytes, out Frame frame)
    {
        frame = default;
        if (buffer.Length < FrameHeader.Size)
        {
            return FrameReadStatus.Incomplete;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.TryReadBigEndian(out int rawLength);
        reader.TryReadBigEndian(out short rawOpcode);
        reader.TryReadBigEndian(out short rawFlags);
        reader.TryReadBigEndian(out int rawRequestId);

        var payloadLength = (uint)rawLength;
        if (payloadLength > (uint)maxPayloadBytes)
        {
            return FrameReadStatus.TooLarge;
        }

        if (rawFlags != 0)
        {
            return FrameReadStatus.Malformed;
        }

        if (reader.Remaining < payloadLength)
        {
            return FrameReadStatus.Incomplete;
        }

        var payload = buffer.Slice(FrameHeader.Size, payloadLength);
        frame = new Frame((ushort)rawOpcode, (uint)rawRequestId, payload);
        buffer = buffer.Slice(payload.End);
        return FrameReadStatus.Complete;
    }

    /// <summary>Bytes a frame carrying <paramref name="message"/> takes on the wire.</summary>
    public static int FrameSize(IMessage? message) => FrameHeader.Size + (message?.CalculateSize() ?? 0);

    /// <summary>Writes header and payload into <paramref name="destination"/>, which must hold <see cref="FrameSize"/> bytes.</summary>
    public static int WriteFrame(Span<byte> destination, ushort opcode, uint requestId, IMessage? message)
    {
        var payloadLength = message?.CalculateSize() ?? 0;
        FrameHeader.Write(destination, (uint)payloadLength, opcode, requestId);
        if (payloadLength > 0)
        {
            message!.WriteTo(destination.Slice(FrameHeader.Size, payloadLength));
        }

        return FrameHeader.Size + payloadLength;
    }

    /// <summary>Writes one frame to a buffer writer (a PipeWriter, say) without intermediate copies.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, ushort opcode, uint requestId, IMessage? message)
    {
        var size = FrameSize(message);
        var span = writer.GetSpan(size);
        WriteFrame(span, opcode, requestId, message);
        writer.Advance(size);
    }
}
