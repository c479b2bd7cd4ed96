using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using OrleansMmo.Grains.Security;

namespace OrleansMmo.Grains.World;

/// <summary>
/// A queue ticket: <c>base64url(body) "." base64url(HMAC-SHA256(body))</c> under the cluster's ticket key.
/// <code>
/// body offset size field
///           0    1 format version (1)
///           1   16 account id (a ticket keeps its owner's place only)
///          17    8 sequence: the place in the queue (enqueue order, kept across a world's failover)
///          25    n world id, UTF-8
/// </code>
/// Signed, so that a world that lost its queue in a failover can put a client back where it was, and
/// nobody can forge a better place.
/// </summary>
public readonly record struct QueueTicket(Guid AccountId, long Sequence, string WorldId)
{
    private const byte FormatVersion = 1;
    private const int FixedSize = 25;
    private const int MaxTokenLength = 256;

    public string Encode(TicketSigner signer)
    {
        var world = Encoding.UTF8.GetBytes(WorldId);
        var body = new byte[FixedSize + world.Length];
        body[0] = FormatVersion;
        AccountId.TryWriteBytes(body.AsSpan(1, 16));
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(17, 8), Sequence);
        world.CopyTo(body.AsSpan(FixedSize));
        return Base64Url.EncodeToString(body) + "." + Base64Url.EncodeToString(signer.Sign(body));
    }

    /// <summary>Decodes a token this cluster signed; false for anything else.</summary>
    public static bool TryDecode(string? token, TicketSigner signer, out QueueTicket ticket)
    {
        ticket = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        byte[] body, signature;
        try
        {
            body = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (body.Length <= FixedSize || body[0] != FormatVersion || !signer.Verify(body, signature))
        {
            return false;
        }

        ticket = new QueueTicket(new Guid(body.AsSpan(1, 16)), BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(17, 8)),
            Encoding.UTF8.GetString(body, FixedSize, body.Length - FixedSize));
        return true;
    }
}
