using System.Buffers;
using System.Net;
using OrleansMmo.Gateway.Connections;

namespace OrleansMmo.Tests.Gateway;

/// <summary>The PROXY protocol v2 parser on its own: every way a header can be whole, cut, too big or not one.</summary>
[Trait("Category", "Unit")]
public class ProxyProtocolParserTests
{
    private const int Bound = 1024;

    [Theory]
    [InlineData("203.0.113.7", 51234)]
    [InlineData("2001:db8:1:2::5", 40000)]
    public void AWholeHeaderGivesTheClientsEndpointAndWhereItsBytesBegin(string address, int port)
    {
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse(address), port));
        byte[] first = [0, 0, 0, 7];
        var buffer = new ReadOnlySequence<byte>([.. header, .. first]);

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocol.TryParse(buffer, Bound, out var parsed, out var end));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), parsed.Source);
        Assert.Equal(first, buffer.Slice(end).ToArray());
    }

    [Fact]
    public void TlvsAfterTheAddressesAreSkipped()
    {
        byte[] tlv = [0x01, 0x00, 0x02, (byte)'h', (byte)'2']; // ALPN "h2", as haproxy may add
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 1000), tlvs: tlv);
        var buffer = new ReadOnlySequence<byte>([.. header, 0xAB]);

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocol.TryParse(buffer, Bound, out var parsed, out var end));
        Assert.Equal(IPAddress.Parse("198.51.100.1"), parsed.Source!.Address);
        Assert.Equal([0xAB], buffer.Slice(end).ToArray());
    }

    [Fact]
    public void EveryCutOfAHeaderIsIncompleteNotInvalid()
    {
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("2001:db8::9"), 7));
        for (var length = 0; length < header.Length; length++)
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyProtocol.TryParse(new ReadOnlySequence<byte>(header, 0, length), Bound, out _, out _));
        }
    }

    [Fact]
    public void AHeaderSplitIntoOneByteSegmentsParsesTheSame()
    {
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("192.0.2.44"), 4444));
        var buffer = Segments.OneBytePer([.. header, 0x01]);

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocol.TryParse(buffer, Bound, out var parsed, out var end));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.44"), 4444), parsed.Source);
        Assert.Equal([0x01], buffer.Slice(end).ToArray());
    }

    [Fact]
    public void ALocalHeaderKeepsTheBalancersOwnAddress()
    {
        var buffer = new ReadOnlySequence<byte>(ProxyProtocol.Build(null));

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocol.TryParse(buffer, Bound, out var parsed, out var end));
        Assert.True(parsed.IsLocal);
        Assert.Null(parsed.Source);
        Assert.Equal(buffer.End, end);
    }

    [Fact]
    public void AHeaderDeclaringMoreThanTheBoundIsRefusedBeforeItArrives()
    {
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1), tlvs: new byte[2000]);
        // Only the preamble has arrived: its length alone refuses it, nothing is buffered waiting for 2 KB.
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocol.TryParse(new ReadOnlySequence<byte>(header, 0, 16), Bound, out var parsed, out _));
        Assert.Contains("exceeds the bound", parsed.Error);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n", "v1")]
    [InlineData("PRO", "v1")]
    [InlineData("GET / HTTP/1.1\r\n", "no PROXY")]
    public void TextIsRefusedAtItsFirstBytes(string text, string why)
    {
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(text));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocol.TryParse(buffer, Bound, out var parsed, out _));
        Assert.Contains(why, parsed.Error);
    }

    [Fact]
    public void AGameFrameOrATlsHelloIsRefusedAtItsFirstByte()
    {
        // A plain client talking to a balancer-only connection: refused at once, not after the header timeout.
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocol.TryParse(new ReadOnlySequence<byte>([0, 0, 0, 12]), Bound, out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocol.TryParse(new ReadOnlySequence<byte>([0x16, 0x03, 0x01]), Bound, out _, out _));
    }

    [Theory]
    [InlineData(12, 0x11, "version 1")]   // version 1 in the binary form
    [InlineData(12, 0x2F, "command 15")]  // unknown command
    [InlineData(13, 0x12, "transport 2")] // UDP
    [InlineData(13, 0x41, "family 4")]    // unknown family
    [InlineData(15, 0x08, "too short")]   // an IPv4 block of 8 bytes
    public void AMalformedPreambleIsRefusedWithItsReason(int offset, byte value, string why)
    {
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1));
        header[offset] = value;
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocol.TryParse(new ReadOnlySequence<byte>(header), Bound, out var parsed, out _));
        Assert.Contains(why, parsed.Error);
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(11);
        var header = ProxyProtocol.Build(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1));
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])header.Clone();
            // Mutate after the signature (mostly), so most inputs reach the length and address checks.
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(12, bytes.Length)] = (byte)random.Next(256);
            }

            var status = ProxyProtocol.TryParse(new ReadOnlySequence<byte>(bytes, 0, random.Next(0, bytes.Length + 1)), Bound, out var parsed, out _);
            Assert.True(status != ProxyHeaderStatus.Invalid || parsed.Error is not null);
        }
    }

    /// <summary>A sequence of one-byte segments: the worst split a socket can hand over.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(byte value, long index)
        {
            Memory = new[] { value };
            RunningIndex = index;
        }

        public static ReadOnlySequence<byte> OneBytePer(byte[] bytes)
        {
            var first = new Segments(bytes[0], 0);
            var last = first;
            for (var i = 1; i < bytes.Length; i++)
            {
                var next = new Segments(bytes[i], i);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, 1);
        }
    }
}
