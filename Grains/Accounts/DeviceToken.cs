using System.Buffers.Binary;
using System.Buffers.Text;
using OrleansMmo.Grains.Security;

namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// A device token (OWASP's "device cookie"): proof that this client logged in to this account before, given by
/// a successful login and sent with the next. Its logins are exempt from the failure budget of their address,
/// so a guesser behind the same NAT or carrier-grade NAT cannot keep the account's owner out; failures with it
/// are counted per (account, device) instead. It is no credential: the password is still required.
/// <code>
/// body offset size field
///           0    1 kind (0xD1: not a session ticket, whose first byte is its version, 1)
///           1   16 account id
///          17   16 device id (random, made at the first login from the device)
///          33    8 issued at, Unix milliseconds, big-endian
/// </code>
/// Token: <c>base64url(body) "." base64url(HMAC-SHA256(body))</c> under the cluster's ticket key, laid out as a session ticket's.
/// </summary>
public readonly record struct DeviceToken(Guid AccountId, Guid DeviceId, DateTimeOffset IssuedAt)
{
    private const byte Kind = 0xD1;
    private const int BodySize = 41;
    private const int SignatureSize = 32;

    public string Issue(TicketSigner signer)
    {
        Span<byte> body = stackalloc byte[BodySize];
        body[0] = Kind;
        AccountId.TryWriteBytes(body.Slice(1, 16));
        DeviceId.TryWriteBytes(body.Slice(17, 16));
        BinaryPrimitives.WriteInt64BigEndian(body.Slice(33, 8), IssuedAt.ToUnixTimeMilliseconds());
        return SessionTicketToken.Format(body, signer.Sign(body));
    }

    /// <summary>
    /// The device of <paramref name="token"/> when it is this cluster's, for <paramref name="accountId"/>, and issued
    /// within <paramref name="lifetime"/> of <paramref name="now"/>; otherwise null (a login without one).
    /// </summary>
    public static Guid? TryVerify(string? token, TicketSigner signer, Guid accountId, DateTimeOffset now, TimeSpan lifetime)
    {
        if (string.IsNullOrEmpty(token) || token.Length > AccountKeys.MaxDeviceTokenLength || accountId == Guid.Empty)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        Span<byte> body = stackalloc byte[BodySize + 1];
        Span<byte> signature = stackalloc byte[SignatureSize + 1];
        if (dot <= 0
            || !Base64Url.TryDecodeFromChars(token.AsSpan(0, dot), body, out var bodyLength) || bodyLength != BodySize
            || !Base64Url.TryDecodeFromChars(token.AsSpan(dot + 1), signature, out var signatureLength) || signatureLength != SignatureSize)
        {
            return null;
        }

        body = body[..BodySize];
        if (body[0] != Kind || !signer.Verify(body, signature[..SignatureSize]) || new Guid(body.Slice(1, 16)) != accountId)
        {
            return null;
        }

        var issuedMs = BinaryPrimitives.ReadInt64BigEndian(body.Slice(33, 8));
        var age = now - DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(issuedMs, 0, 253402300799999));
        return age >= -TimeSpan.FromMinutes(5) && age <= lifetime ? new Guid(body.Slice(17, 16)) : null;
    }
}
