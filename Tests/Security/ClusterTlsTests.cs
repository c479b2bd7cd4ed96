using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using OrleansMmo.Hosting;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// Cluster TLS settings (docs/security.md, "The cluster's own connections"): what is loaded and refused at start.
/// The refusals on real sockets are in <see cref="ClusterTlsRefusalTests"/>, on the native cluster.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClusterTlsTests : IDisposable
{
    private readonly ClusterPki _cluster = ClusterPki.Create("OrleansMmo cluster CA");
    private readonly ClusterPki _other = ClusterPki.Create("someone else's CA");

    public void Dispose()
    {
        _cluster.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void MissingOrUnreadableClusterCertificateFilesStopTheStartOfSiloAndGateway()
    {
        var silo = _cluster.Issue("silo1", silo: true);
        string[] missingKey = [$"--Cluster:Tls:CertificatePath={silo.Certificate}", "--Cluster:Tls:KeyPath=/nonexistent/silo1.key", $"--Cluster:Tls:CaCertificatePath={_cluster.CaPath}"];
        var error = Assert.Throws<OptionsValidationException>(() => OrleansMmo.Silo.Program.BuildApp(missingKey));
        Assert.Contains("/nonexistent/silo1.key", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cluster:Tls", error.Message, StringComparison.Ordinal);

        var gateway = _cluster.Issue("gateway1", silo: false);
        string[] missingCa = [$"--Cluster:Tls:CertificatePath={gateway.Certificate}", $"--Cluster:Tls:KeyPath={gateway.Key}", "--Cluster:Tls:CaCertificatePath=/nonexistent/ca.crt"];
        error = Assert.Throws<OptionsValidationException>(() => OrleansMmo.Gateway.Program.BuildApp(missingCa));
        Assert.Contains("Cluster:Tls:CaCertificatePath /nonexistent/ca.crt", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<OptionsValidationException>(() => OrleansMmo.Gateway.Program.BuildApp([$"--Cluster:Tls:CertificatePath={gateway.Certificate}"]));
        Assert.Contains("must be set together", error.Message, StringComparison.Ordinal);

        // A key that is not the certificate's.
        var wrongKey = Assert.Throws<OptionsValidationException>(() => ClusterTlsCredentials.Load(
            Options(gateway.Certificate, silo.Key, _cluster.CaPath), ClusterTlsRole.Client));
        Assert.Contains("does not load", wrongKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateOfAnotherCaOrWithoutTheUsagesOfItsRoleStopsTheStart()
    {
        var foreign = _other.Issue("silo1", silo: true);
        var error = Assert.Throws<OptionsValidationException>(() => ClusterTlsCredentials.Load(Options(foreign.Certificate, foreign.Key, _cluster.CaPath), ClusterTlsRole.Silo));
        Assert.Contains("does not chain to the cluster CA", error.Message, StringComparison.Ordinal);

        // A gateway's certificate (clientAuth only) cannot serve as a silo's: silos accept connections too.
        var gateway = _cluster.Issue("gateway1", silo: false);
        error = Assert.Throws<OptionsValidationException>(() => ClusterTlsCredentials.Load(Options(gateway.Certificate, gateway.Key, _cluster.CaPath), ClusterTlsRole.Silo));
        Assert.Contains("lacks the extended key usage serverAuth", error.Message, StringComparison.Ordinal);
        using var asClient = ClusterTlsCredentials.Load(Options(gateway.Certificate, gateway.Key, _cluster.CaPath), ClusterTlsRole.Client);
        Assert.True(asClient.Certificate.HasPrivateKey);

        // A leaf certificate where the CA belongs.
        error = Assert.Throws<OptionsValidationException>(() => ClusterTlsCredentials.Load(Options(gateway.Certificate, gateway.Key, gateway.Certificate), ClusterTlsRole.Client));
        Assert.Contains("is not a CA certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APeerIsAcceptedOnlyWithACertificateOfTheClusterCa()
    {
        var silo = _cluster.Issue("silo1", silo: true);
        using var credentials = ClusterTlsCredentials.Load(Options(silo.Certificate, silo.Key, _cluster.CaPath), ClusterTlsRole.Silo);

        using var member = X509Certificate2.CreateFromPem(File.ReadAllText(_cluster.Issue("gateway1", silo: false).Certificate));
        Assert.Null(credentials.Check(member, chain: null));

        // Same names, same usages, another CA: no member, even when its CA is trusted by the machine or presented in the chain.
        using var stranger = X509Certificate2.CreateFromPem(File.ReadAllText(_other.Issue("gateway1", silo: false).Certificate));
        using var presented = new X509Chain();
        presented.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        presented.ChainPolicy.CustomTrustStore.Add(_other.Ca);
        presented.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(presented.Build(stranger));
        Assert.Contains("does not chain to the cluster CA", credentials.Check(stranger, presented), StringComparison.Ordinal);

        // A certificate of the cluster CA made for another purpose (serverAuth only: a web server's) does not open the cluster.
        using var serverOnly = X509Certificate2.CreateFromPem(File.ReadAllText(_cluster.Issue("web", silo: false, usages: [ClusterTlsCredentials.ServerAuthOid]).Certificate));
        Assert.NotNull(credentials.Check(serverOnly, chain: null));

        // Expired.
        using var expired = X509Certificate2.CreateFromPem(File.ReadAllText(_cluster.Issue("old", silo: true, notAfter: DateTimeOffset.UtcNow.AddMinutes(-1)).Certificate));
        Assert.NotNull(credentials.Check(expired, chain: null));
    }

    [Fact]
    public void SeveralCaCertificatesAreTrustedWhileTheCaIsRotated()
    {
        var silo = _cluster.Issue("silo1", silo: true);
        var bundle = Path.Combine(_cluster.Directory, "bundle.crt");
        File.WriteAllText(bundle, File.ReadAllText(_cluster.CaPath) + "\n" + File.ReadAllText(_other.CaPath) + "\n");
        using var credentials = ClusterTlsCredentials.Load(Options(silo.Certificate, silo.Key, bundle), ClusterTlsRole.Silo);
        using var fromNewCa = X509Certificate2.CreateFromPem(File.ReadAllText(_other.Issue("silo2", silo: true).Certificate));
        Assert.Null(credentials.Check(fromNewCa, chain: null));
    }

    private static ClusterTlsOptions Options(string certificate, string key, string ca) =>
        new() { CertificatePath = certificate, KeyPath = key, CaCertificatePath = ca };
}

/// <summary>
/// A CA and certificates signed by it, as PEM files in a directory of their own, with the usages
/// scripts/make-certificates.sh gives them (silo: serverAuth and clientAuth; client: clientAuth).
/// </summary>
public sealed class ClusterPki : IDisposable
{
    private readonly X509Certificate2 _caWithKey;

    private ClusterPki(string directory, X509Certificate2 caWithKey)
    {
        Directory = directory;
        _caWithKey = caWithKey;
        Ca = X509Certificate2.CreateFromPem(caWithKey.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public string CaPath => Path.Combine(Directory, "ca.crt");

    public static ClusterPki Create(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", "cluster-pki-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        return new ClusterPki(directory, ca);
    }

    /// <summary>Writes NAME.crt and NAME.key.</summary>
    public (string Certificate, string Key) Issue(string name, bool silo, string[]? usages = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        usages ??= silo ? [ClusterTlsCredentials.ServerAuthOid, ClusterTlsCredentials.ClientAuthOid] : [ClusterTlsCredentials.ClientAuthOid];
        var oids = new OidCollection();
        foreach (var usage in usages)
        {
            oids.Add(new Oid(usage));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(7);
        var start = notAfter is null ? DateTimeOffset.UtcNow.AddHours(-1) : end.AddDays(-1);
        using var leaf = request.Create(_caWithKey, start, end, RandomNumberGenerator.GetBytes(8));
        var certificatePath = Path.Combine(Directory, $"{name}.crt");
        var keyPath = Path.Combine(Directory, $"{name}.key");
        File.WriteAllText(certificatePath, leaf.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _caWithKey.Dispose();
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; the next run uses a new one.
        }
    }
}
