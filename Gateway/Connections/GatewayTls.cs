using System.Security.Cryptography.X509Certificates;

namespace OrleansMmo.Gateway.Connections;

/// <summary>Loads the game port's certificate (<see cref="GatewayTlsOptions"/>).</summary>
public static class GatewayTls
{
    /// <summary>Null when loaded; otherwise the reason, naming the option.</summary>
    public static string? TryLoad(GatewayTlsOptions options, out X509Certificate2? certificate)
    {
        certificate = null;
        if (string.IsNullOrWhiteSpace(options.CertificatePath) || string.IsNullOrWhiteSpace(options.KeyPath))
        {
            return "Gateway:Tls:CertificatePath and Gateway:Tls:KeyPath must be set together";
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero)
        {
            return "Gateway:Tls:HandshakeTimeout must be positive";
        }

        try
        {
            certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return $"Gateway:Tls: the certificate {options.CertificatePath} with key {options.KeyPath} does not load: {ex.Message}";
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            certificate = null;
            return $"Gateway:Tls:KeyPath {options.KeyPath} holds no private key for {options.CertificatePath}";
        }

        return null;
    }
}
