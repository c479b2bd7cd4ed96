using System.Buffers;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Protocol;

[Trait("Category", "Unit")]
public class FrameCodecTests
{
    private const int Limit = 64 * 1024;

    [Fact]
    public void AFrameRoundTripsWithOpcodeRequestIdAndPayload()
    {
        var message = new PingRequest { ClientTimeMs = 42 };
        var bytes = new byte[FrameCodec.FrameSize(message)];
        FrameCodec.WriteFrame(bytes, (ushort)Opcode.Ping, 7, message);

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(FrameReadStatus.Complete, FrameCodec.TryReadFrame(ref buffer, Limit, out var frame));
        Assert.Equal((ushort)Opcode.Ping, frame.Opcode);
        Assert.Equal(7u, frame.RequestId);
        Assert.Equal(42, PingRequest.Parser.ParseFrom(frame.Payload).ClientTimeMs);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TheHeaderIsBigEndianLengthOpcodeFlagsRequestId()
    {
        var bytes = new byte[FrameHeader.Size];
        FrameHeader.Write(bytes, 0x0102, 0x0304, 0x05060708);
        Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 4, 0, 0, 5, 6, 7, 8 }, bytes);
    }

    [Fact]
    public void AFrameSplitAcrossSegmentsIsReadWhole()
    {
        var message = new PingRequest { Echo = Google.Protobuf.ByteString.CopyFrom(new byte[1000]) };
        var bytes = new byte[FrameCodec.FrameSize(message)];
        FrameCodec.WriteFrame(bytes, (ushort)Opcode.Ping, 1, message);

        var buffer = Segmented(bytes, 3);
        Assert.Equal(FrameReadStatus.Complete, FrameCodec.TryReadFrame(ref buffer, Limit, out var frame));
        Assert.Equal(1000, PingRequest.Parser.ParseFrom(frame.Payload).Echo.Length);
    }

    [Fact]
    public void AnIncompleteFrameLeavesTheBufferUntouched()
    {
        var bytes = new byte[FrameHeader.Size + 10];
        FrameHeader.Write(bytes, 10, 1, 1);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.Equal(FrameReadStatus.Incomplete, FrameCodec.TryReadFrame(ref buffer, Limit, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Fact]
    public void ALengthOverTheLimitIsRejectedFromTheHeaderAlone()
    {
        var header = new byte[FrameHeader.Size];
        FrameHeader.Write(header, Limit + 1, 1, 1);
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.Equal(FrameReadStatus.TooLarge, FrameCodec.TryReadFrame(ref buffer, Limit, out _));

        FrameHeader.Write(header, uint.MaxValue, 1, 1);
        buffer = new ReadOnlySequence<byte>(header);
        Assert.Equal(FrameReadStatus.TooLarge, FrameCodec.TryReadFrame(ref buffer, Limit, out _));
    }

    [Fact]
    public void NonZeroFlagsAreMalformed()
    {
        var header = new byte[FrameHeader.Size];
        FrameHeader.Write(header, 0, 1, 1);
        header[7] = 1;
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.Equal(FrameReadStatus.Malformed, FrameCodec.TryReadFrame(ref buffer, Limit, out _));
    }

    [Fact]
    public void SeveralFramesInOneBufferAreReadInOrder()
    {
        var bytes = new byte[3 * FrameHeader.Size];
        for (var i = 0; i < 3; i++)
        {
            FrameHeader.Write(bytes.AsSpan(i * FrameHeader.Size), 0, (ushort)Opcode.Ping, (uint)i + 1);
        }

        var buffer = new ReadOnlySequence<byte>(bytes);
        for (uint i = 1; i <= 3; i++)
        {
            Assert.Equal(FrameReadStatus.Complete, FrameCodec.TryReadFrame(ref buffer, Limit, out var frame));
            Assert.Equal(i, frame.RequestId);
        }

        Assert.Equal(FrameReadStatus.Incomplete, FrameCodec.TryReadFrame(ref buffer, Limit, out _));
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var buffer = Segmented(bytes, random.Next(1, 8));
            while (FrameCodec.TryReadFrame(ref buffer, 32, out _) == FrameReadStatus.Complete)
            {
            }
        }
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var memory = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
