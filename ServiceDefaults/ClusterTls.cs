using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Hosting;

/// <summary>What a process does on the cluster's connections, which decides the certificate usages it needs.</summary>
public enum ClusterTlsRole
{
    /// <summary>Accepts connections (silo and gateway ports) and opens them (to other silos): serverAuth and clientAuth.</summary>
    Silo,

    /// <summary>An Orleans client (the gateway, a tool): opens connections only, clientAuth.</summary>
    Client,
}

/// <summary>
/// This process's cluster certificate and the cluster CA, loaded and checked once at start, so a missing file,
/// a key that does not match, a certificate of another CA or without the usages its role needs stops the
/// process with a message naming the setting, rather than failing every connection later.
/// </summary>
public sealed class ClusterTlsCredentials : IDisposable
{
    /// <summary>Extended key usage "TLS web client authentication".</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Extended key usage "TLS web server authentication".</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private ClusterTlsCredentials(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Authorities = authorities;
    }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster CA certificates a peer may chain to (several while a CA is rotated).</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>Loads <paramref name="options"/>' files; throws <see cref="OptionsValidationException"/> naming what is wrong.</summary>
    public static ClusterTlsCredentials Load(ClusterTlsOptions options, ClusterTlsRole role)
    {
        var validation = new ClusterTlsOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw Invalid(validation.Failures);
        }

        var authorities = LoadAuthorities(options.CaCertificatePath!);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw Invalid($"Cluster:Tls: the certificate {options.CertificatePath} with key {options.KeyPath} does not load: {ex.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw Invalid($"Cluster:Tls:KeyPath {options.KeyPath} holds no private key for {options.CertificatePath}");
        }

        var credentials = new ClusterTlsCredentials(certificate, authorities);
        var problem = credentials.Check(certificate, chain: null)
            ?? MissingUsage(certificate, role == ClusterTlsRole.Silo ? [ServerAuthOid, ClientAuthOid] : [ClientAuthOid]);
        if (problem is not null)
        {
            credentials.Dispose();
            throw Invalid($"Cluster:Tls:CertificatePath {options.CertificatePath}: {problem} (a {role.ToString().ToLowerInvariant()} certificate issued by " +
                $"the cluster CA in {options.CaCertificatePath} is needed: scripts/make-certificates.sh cluster)");
        }

        return credentials;
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to the cluster CA, is valid now and may authenticate a
    /// client (every cluster certificate does: silos open connections too); otherwise why not. Only the cluster
    /// CA is trusted, never the machine's roots: a certificate from a public CA is no cluster member.
    /// </summary>
    /// <param name="certificate">The peer's (or this process's own) certificate.</param>
    /// <param name="chain">The chain the peer presented, for its intermediates; may be null.</param>
    public string? Check(X509Certificate2 certificate, X509Chain? chain)
    {
        using var verification = new X509Chain();
        var policy = verification.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(Authorities);
        // A private CA publishes no revocation lists: a certificate is withdrawn by rotating the CA (docs/security.md).
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                policy.ExtraStore.Add(element.Certificate);
            }
        }

        if (verification.Build(certificate))
        {
            return null;
        }

        var reasons = verification.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"does not chain to the cluster CA as a client certificate ({string.Join(", ", reasons)})";
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in Authorities)
        {
            authority.Dispose();
        }
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw Invalid($"Cluster:Tls:CaCertificatePath {path} does not load: {ex.Message}");
        }

        if (authorities.Count == 0)
        {
            throw Invalid($"Cluster:Tls:CaCertificatePath {path} holds no certificate");
        }

        var notAuthority = authorities.FirstOrDefault(a => a.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true });
        if (notAuthority is not null)
        {
            throw Invalid($"Cluster:Tls:CaCertificatePath {path}: {notAuthority.Subject} is not a CA certificate (basicConstraints CA:true)");
        }

        return authorities;
    }

    private static string? MissingUsage(X509Certificate2 certificate, string[] needed)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        // No extension at all means any usage (RFC 5280 4.2.1.12).
        if (usages is null)
        {
            return null;
        }

        var missing = needed.Where(oid => usages[oid] is null).Select(oid => oid == ServerAuthOid ? "serverAuth" : "clientAuth").ToList();
        return missing.Count == 0 ? null : $"lacks the extended key usage {string.Join(" and ", missing)}";
    }

    private static OptionsValidationException Invalid(params IEnumerable<string> failures) =>
        new(Options.DefaultName, typeof(ClusterTlsOptions), failures);
}
