using Microsoft.Extensions.Options;

namespace OrleansMmo.Hosting;

/// <summary>
/// Mutual TLS between silos, and between gateways (Orleans clients) and silos. Section <c>Cluster:Tls</c>.
/// Off when all three paths are empty (one process on loopback, <c>run.sh</c>); <c>cluster.sh</c> and
/// <c>docker-compose.yml</c> turn it on. With it on, a silo accepts a connection on its silo port or its
/// gateway port only from a peer whose certificate chains to <see cref="CaCertificatePath"/>, and presents
/// its own; nobody without a cluster certificate can join the cluster or call a grain. Certificates come
/// from <c>scripts/make-certificates.sh cluster</c> (docs/security.md).
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Cluster:Tls";

    /// <summary>
    /// This process's certificate (PEM). A silo's needs both extended key usages serverAuth and clientAuth
    /// (it accepts connections and opens them); a gateway's needs clientAuth.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The private key of <see cref="CertificatePath"/> (PEM, unencrypted; keep it readable by the process's user only).</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// The cluster CA (PEM) every peer's certificate must chain to; only this CA is trusted for the cluster,
    /// never the machine's public roots. May hold several CA certificates, old and new, while a CA is rotated.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>How long a peer may take to finish the TLS handshake before its connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Warn at start when this process's certificate expires within this long.</summary>
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(30);

    /// <summary>True when any path is set: then all must be, and must load.</summary>
    public bool Enabled =>
        !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(KeyPath) || !string.IsNullOrWhiteSpace(CaCertificatePath);
}

public sealed class ClusterTlsOptionsValidator : IValidateOptions<ClusterTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterTlsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.CertificatePath) || string.IsNullOrWhiteSpace(options.KeyPath) || string.IsNullOrWhiteSpace(options.CaCertificatePath))
        {
            failures.Add("Cluster:Tls:CertificatePath, Cluster:Tls:KeyPath and Cluster:Tls:CaCertificatePath must be set together (or none, for a plain cluster)");
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero || options.HandshakeTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Cluster:Tls:HandshakeTimeout must be positive and at most a minute");
        }

        if (options.ExpiryWarning < TimeSpan.Zero)
        {
            failures.Add("Cluster:Tls:ExpiryWarning must not be negative");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
