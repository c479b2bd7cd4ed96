using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// The layout of a session ticket's token: <c>base64url(body) "." base64url(HMAC-SHA256(body))</c>.
/// <code>
/// body offset size field
///           0    1 format version (1)
///           1   16 account id
///          17   16 ticket id (single use: the account keeps the one valid id)
///          33    8 expiry, Unix milliseconds, big-endian
///          41    n account grain key, UTF-8 (so any gateway knows which account to ask)
/// </code>
/// Parsing here only routes: the account grain checks the signature, the id and the expiry.
/// </summary>
public readonly record struct SessionTicketToken(Guid AccountId, Guid TicketId, DateTimeOffset ExpiresAt, string AccountKey)
{
    public const byte FormatVersion = 1;
    public const int MaxTokenLength = 512;
    private const int FixedBodySize = 41;

    public byte[] EncodeBody()
    {
        var keyBytes = Encoding.UTF8.GetBytes(AccountKey);
        var body = new byte[FixedBodySize + keyBytes.Length];
        body[0] = FormatVersion;
        AccountId.TryWriteBytes(body.AsSpan(1, 16));
        TicketId.TryWriteBytes(body.AsSpan(17, 16));
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(33, 8), ExpiresAt.ToUnixTimeMilliseconds());
        keyBytes.CopyTo(body.AsSpan(FixedBodySize));
        return body;
    }

    /// <summary>Whether <paramref name="key"/> can sign tickets: base64 of at least 32 bytes (silos and gateways check it at start).</summary>
    public static bool IsStrongSigningKey(string key)
    {
        Span<byte> buffer = stackalloc byte[1024];
        return Convert.TryFromBase64String(key, buffer, out var written) && written >= 32;
    }

    public static string Format(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        Base64Url.EncodeToString(body) + "." + Base64Url.EncodeToString(signature);

    /// <summary>Splits a token into body and signature and decodes the body. No signature check.</summary>
    public static bool TryParse(string? token, out SessionTicketToken ticket, out byte[] body, out byte[] signature)
    {
        ticket = default;
        body = [];
        signature = [];
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1)
        {
            return false;
        }

        try
        {
            body = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (body.Length <= FixedBodySize || body[0] != FormatVersion)
        {
            return false;
        }

        string accountKey;
        try
        {
            accountKey = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body, FixedBodySize, body.Length - FixedBodySize);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var expiresMs = BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(33, 8));
        if (expiresMs is < 0 or > 253402300799999)
        {
            return false;
        }

        ticket = new SessionTicketToken(
            new Guid(body.AsSpan(1, 16)),
            new Guid(body.AsSpan(17, 16)),
            DateTimeOffset.FromUnixTimeMilliseconds(expiresMs),
            accountKey);
        return true;
    }
}
