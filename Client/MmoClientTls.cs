using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMmo.Client;

/// <summary>
/// TLS to a gateway's game port (the gateway's <c>Gateway:Tls</c>; docs/security.md). Without
/// <see cref="TrustedCertificate"/> the gateway's certificate must chain to a root the system trusts and name
/// the host (or <see cref="TargetHost"/>), as for any TLS client.
/// </summary>
public sealed class MmoClientTls
{
    /// <summary>The name the gateway's certificate must carry; the host connected to when null.</summary>
    public string? TargetHost { get; set; }

    /// <summary>
    /// A private CA (or the gateway's own self-signed certificate) to trust instead of the system's roots: the
    /// gateway's chain must end at exactly this certificate, and its name must still match. For test clusters and
    /// studios with their own CA.
    /// </summary>
    public X509Certificate2? TrustedCertificate { get; set; }

    internal bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (TrustedCertificate is null)
        {
            return errors == SslPolicyErrors.None;
        }

        // The name must match whatever the trust anchor; only the chain's root is judged here.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var own = new X509Chain();
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        own.ChainPolicy.ExtraStore.Add(TrustedCertificate);
        using var leaf = new X509Certificate2(certificate);
        if (!own.Build(leaf))
        {
            return false;
        }

        var root = own.ChainElements[own.ChainElements.Count - 1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(TrustedCertificate.RawData);
    }
}
