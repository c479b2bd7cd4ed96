using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Accounts;

namespace OrleansMmo.Grains.Security;

/// <summary>Signs and checks session ticket tokens with HMAC-SHA256 under the cluster's key.</summary>
public sealed partial class TicketSigner
{
    private readonly byte[] _key;

    public TicketSigner(IOptions<TicketOptions> options, ILogger<TicketSigner> logger)
    {
        var configured = options.Value.SigningKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            _key = RandomNumberGenerator.GetBytes(32);
            LogEphemeralKey(logger);
        }
        else
        {
            _key = Convert.FromBase64String(configured);
        }
    }

    public SessionTicket Issue(SessionTicketToken ticket)
    {
        var body = ticket.EncodeBody();
        return new SessionTicket(SessionTicketToken.Format(body, HMACSHA256.HashData(_key, body)), ticket.ExpiresAt);
    }

    /// <summary>Parses a token and checks its signature; expiry and single use are the account's to check.</summary>
    public bool TryVerify(string token, out SessionTicketToken ticket)
    {
        if (!SessionTicketToken.TryParse(token, out ticket, out var body, out var signature))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, body), signature);
    }

    /// <summary>HMAC-SHA256 of <paramref name="body"/> under the cluster's key (queue tickets use it too).</summary>
    public byte[] Sign(ReadOnlySpan<byte> body) => HMACSHA256.HashData(_key, body);

    /// <summary>Whether <paramref name="signature"/> is this cluster's signature of <paramref name="body"/>, in constant time.</summary>
    public bool Verify(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, body), signature);

    [LoggerMessage(EventId = LogEvents.TicketSigningKeyEphemeral, Level = LogLevel.Warning,
        Message = "Tickets:SigningKey is not set, so session tickets are signed with a key made at start (the development default, fine for one silo): " +
            "a restart ends every resumable session, and another silo refuses these tickets. A cluster sets the same key (base64, 32+ bytes) on every silo.")]
    private static partial void LogEphemeralKey(ILogger logger);
}
