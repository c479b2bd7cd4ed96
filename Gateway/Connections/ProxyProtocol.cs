using System.Buffers;
using System.Buffers.Binary;
using System.Net;

namespace OrleansMmo.Gateway.Connections;

/// <summary>What <see cref="ProxyProtocol.TryParse"/> made of the bytes at the front of a connection.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>A header may still be arriving: read more (bounded by the maximum header size).</summary>
    Incomplete,

    /// <summary>A whole v2 header: <see cref="ProxyHeader.Source"/> is the client's address, or null for LOCAL and unspecified families.</summary>
    Complete,

    /// <summary>Not a PROXY protocol v2 header, or a malformed or oversized one: <see cref="ProxyHeader.Error"/> says which.</summary>
    Invalid,
}

/// <summary>A parsed header: the client's endpoint as the balancer saw it (null: keep the balancer's own), or why it was refused.</summary>
public readonly record struct ProxyHeader(IPEndPoint? Source, string? Error, bool IsLocal = false);

/// <summary>
/// The PROXY protocol version 2 (haproxy's <c>send-proxy-v2</c>; spec: haproxy's doc/proxy-protocol.txt):
/// a 16-byte binary preamble, then an address block and optional TLVs, before the client's first byte. Parsed
/// in Kestrel's style: a <see cref="SequenceReader{T}"/> over the connection's <see cref="ReadOnlySequence{T}"/>,
/// never copying more than the 16-byte preamble and one address. Version 1 (the text form) is refused: the
/// binary form has a bounded, fixed layout and haproxy sends it with one keyword.
/// </summary>
public static class ProxyProtocol
{
    /// <summary>The twelve bytes every v2 header starts with (\r\n\r\n\0\r\nQUIT\n).</summary>
    public static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>Signature, version/command, family/transport and the 2-byte length.</summary>
    public const int PreambleLength = 16;

    /// <summary>The smallest bound a gateway may set: the preamble and the largest address block (AF_UNIX, 216 bytes).</summary>
    public const int MinHeaderBound = PreambleLength + 216;

    /// <summary>The largest header the format can describe.</summary>
    public const int MaxHeaderBound = PreambleLength + ushort.MaxValue;

    private const int CommandLocal = 0x0;
    private const int CommandProxy = 0x1;
    private const int FamilyUnspecified = 0x0;
    private const int FamilyInet = 0x1;
    private const int FamilyInet6 = 0x2;
    private const int TransportUnspecified = 0x0;
    private const int TransportStream = 0x1;

    /// <summary>
    /// Reads one v2 header from the front of <paramref name="buffer"/>. On <see cref="ProxyHeaderStatus.Complete"/>,
    /// <paramref name="end"/> is where the client's own bytes begin. Bytes that cannot begin a v2 header are
    /// <see cref="ProxyHeaderStatus.Invalid"/> as soon as they differ from the signature, so a plain client is
    /// refused at its first byte rather than after a timeout.
    /// </summary>
    /// <param name="buffer">The connection's unread bytes, from its first one.</param>
    /// <param name="maxHeaderBytes">A header declaring more (preamble included) is refused without reading it.</param>
    /// <param name="header">The client's endpoint, or why the bytes were refused.</param>
    /// <param name="end">Where the client's own bytes begin (complete headers only).</param>
    public static ProxyHeaderStatus TryParse(in ReadOnlySequence<byte> buffer, int maxHeaderBytes, out ProxyHeader header, out SequencePosition end)
    {
        header = default;
        end = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> preamble = stackalloc byte[PreambleLength];
        var available = (int)Math.Min(buffer.Length, PreambleLength);
        reader.TryCopyTo(preamble[..available]);

        var signatureSeen = Math.Min(available, Signature.Length);
        if (!preamble[..signatureSeen].SequenceEqual(Signature[..signatureSeen]))
        {
            header = new ProxyHeader(null, preamble[..signatureSeen].StartsWith("PROXY"u8) || "PROXY"u8.StartsWith(preamble[..signatureSeen])
                ? "PROXY protocol v1 is not accepted (configure send-proxy-v2)"
                : "no PROXY protocol v2 header");
            // "P" alone could still be v1's start or a plain client; both are refused anyway.
            return ProxyHeaderStatus.Invalid;
        }

        if (available < PreambleLength)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        var version = preamble[12] >> 4;
        var command = preamble[12] & 0x0F;
        var family = preamble[13] >> 4;
        var transport = preamble[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(preamble[14..]);
        if (version != 2)
        {
            header = new ProxyHeader(null, $"PROXY protocol version {version} is not supported");
            return ProxyHeaderStatus.Invalid;
        }

        if (command is not (CommandLocal or CommandProxy))
        {
            header = new ProxyHeader(null, $"unknown PROXY command {command}");
            return ProxyHeaderStatus.Invalid;
        }

        if (PreambleLength + length > maxHeaderBytes)
        {
            header = new ProxyHeader(null, $"PROXY header of {PreambleLength + length} bytes exceeds the bound of {maxHeaderBytes}");
            return ProxyHeaderStatus.Invalid;
        }

        if (buffer.Length < PreambleLength + length)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        reader.Advance(PreambleLength);
        var block = buffer.Slice(reader.Position, length);
        end = block.End;

        // LOCAL: the balancer speaking for itself (a health check); the spec says to ignore the address block.
        if (command == CommandLocal)
        {
            header = new ProxyHeader(null, null, IsLocal: true);
            return ProxyHeaderStatus.Complete;
        }

        if (transport is not (TransportUnspecified or TransportStream))
        {
            header = new ProxyHeader(null, $"PROXY transport {transport} is not a stream");
            return ProxyHeaderStatus.Invalid;
        }

        var addressLength = family switch
        {
            FamilyInet => 4,
            FamilyInet6 => 16,
            _ => 0,
        };
        if (addressLength == 0)
        {
            // AF_UNSPEC (or AF_UNIX): the spec has the receiver keep the connection's own addresses.
            header = family == FamilyUnspecified || family == 0x3
                ? new ProxyHeader(null, null)
                : new ProxyHeader(null, $"unknown PROXY address family {family}");
            return header.Error is null ? ProxyHeaderStatus.Complete : ProxyHeaderStatus.Invalid;
        }

        if (length < (2 * addressLength) + 4)
        {
            header = new ProxyHeader(null, $"PROXY address block of {length} bytes is too short for its family");
            return ProxyHeaderStatus.Invalid;
        }

        Span<byte> address = stackalloc byte[addressLength];
        var blockReader = new SequenceReader<byte>(block);
        blockReader.TryCopyTo(address);
        blockReader.Advance(2 * addressLength); // source, then destination (ours: not needed)
        blockReader.TryReadBigEndian(out short sourcePort);
        header = new ProxyHeader(new IPEndPoint(new IPAddress(address), (ushort)sourcePort), null);
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>A v2 header for <paramref name="source"/> (PROXY, TCP) or, with null, a LOCAL one: what haproxy sends. For tests and tools.</summary>
    public static byte[] Build(IPEndPoint? source, IPEndPoint? destination = null, ReadOnlySpan<byte> tlvs = default)
    {
        if (source is null)
        {
            var local = new byte[PreambleLength + tlvs.Length];
            Signature.CopyTo(local);
            local[12] = 0x20 | CommandLocal;
            BinaryPrimitives.WriteUInt16BigEndian(local.AsSpan(14), (ushort)tlvs.Length);
            tlvs.CopyTo(local.AsSpan(PreambleLength));
            return local;
        }

        destination ??= new IPEndPoint(source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 7000);
        var size = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16;
        var length = (2 * size) + 4 + tlvs.Length;
        var bytes = new byte[PreambleLength + length];
        Signature.CopyTo(bytes);
        bytes[12] = 0x20 | CommandProxy;
        bytes[13] = (byte)(((size == 4 ? FamilyInet : FamilyInet6) << 4) | TransportStream);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)length);
        source.Address.GetAddressBytes().CopyTo(bytes, PreambleLength);
        destination.Address.GetAddressBytes().CopyTo(bytes, PreambleLength + size);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(PreambleLength + (2 * size)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(PreambleLength + (2 * size) + 2), (ushort)destination.Port);
        tlvs.CopyTo(bytes.AsSpan(PreambleLength + (2 * size) + 4));
        return bytes;
    }
}
