using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// The <c>Tickets</c> section as a gateway reads it: the silos' signing key, so a forged ResumeSession token is
/// refused before any grain is activated or storage read (docs/security.md).
/// </summary>
public sealed class GatewayTicketOptions
{
    public const string Section = "Tickets";

    /// <summary>
    /// The silos' <c>Tickets:SigningKey</c> (base64, 32+ bytes). Empty: the gateway cannot check signatures and
    /// leaves that to the account grain (one silo on its random development key, as <c>./run.sh</c> runs).
    /// </summary>
    public string? SigningKey { get; set; }
}

/// <summary>Checks a ticket token's HMAC-SHA256 under the cluster's key, in constant time.</summary>
public sealed class TicketSignatureCheck(IOptions<GatewayTicketOptions> options)
{
    private readonly byte[]? _key = string.IsNullOrWhiteSpace(options.Value.SigningKey) ? null : Convert.FromBase64String(options.Value.SigningKey);

    /// <summary>Whether this gateway knows the key; without it every signature passes here and the grain decides.</summary>
    public bool CanCheck => _key is not null;

    /// <summary>False only when the key is known and <paramref name="signature"/> is not its signature of <paramref name="body"/>.</summary>
    public bool MayBeGenuine(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        _key is null || CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, body), signature);

    /// <summary>Start-time validation: a key that is set must be base64 of at least 32 bytes, as the silos require.</summary>
    public static bool IsAcceptable(GatewayTicketOptions options) =>
        string.IsNullOrWhiteSpace(options.SigningKey) || OrleansMmo.Grains.Accounts.SessionTicketToken.IsStrongSigningKey(options.SigningKey);
}
