using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
// Orleans' TLS namespace also has an ITlsConnectionFeature, like ASP.NET's: name only what is used.
using OrleansTlsOptions = Orleans.Connections.Security.TlsOptions;
using RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode;

namespace OrleansMmo.Hosting;

/// <summary>Mutual TLS on the cluster's own connections (section <c>Cluster:Tls</c>, <see cref="ClusterTlsOptions"/>).</summary>
public static class ClusterTlsExtensions
{
    /// <summary>
    /// With <c>Cluster:Tls</c> set: TLS on the silo port and the gateway port, both requiring a client certificate
    /// from the cluster CA, and on this silo's connections to other silos, presenting its own. The files are read
    /// and checked now (clustering is configured before the host is built): a bad one stops the start.
    /// </summary>
    public static ISiloBuilder UseMmoClusterTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var (credentials, log) = Register(silo.Services, configuration, ClusterTlsRole.Silo);
        if (credentials is not null)
        {
            silo.UseTls(credentials.Certificate, tls => Configure(tls, credentials, log));
        }

        return silo;
    }

    /// <summary>The Orleans client's side (the gateway's): it presents its cluster certificate and accepts only silos of the cluster CA.</summary>
    public static IClientBuilder UseMmoClusterTls(this IClientBuilder client, IConfiguration configuration)
    {
        var (credentials, log) = Register(client.Services, configuration, ClusterTlsRole.Client);
        if (credentials is not null)
        {
            client.UseTls(credentials.Certificate, tls =>
            {
                Configure(tls, credentials, log);
                tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            });
        }

        return client;
    }

    private static (ClusterTlsCredentials? Credentials, ClusterTlsLog Log) Register(IServiceCollection services, IConfiguration configuration, ClusterTlsRole role)
    {
        var section = configuration.GetSection(ClusterTlsOptions.Section);
        var options = section.Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        services.AddOptions<ClusterTlsOptions>().Bind(section);
        var credentials = options.Enabled ? ClusterTlsCredentials.Load(options, role) : null;
        var multiProcess = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(MmoClusterOptions.RedisConnectionStringName));
        var log = new ClusterTlsLog(credentials, options, role, multiProcess);
        services.AddHostedService(sp => new ClusterTlsStart(log, sp.GetRequiredService<ILoggerFactory>().CreateLogger(ClusterTlsLog.Category),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        // The credentials are never disposed: Orleans' TLS middleware holds the certificate for the life of the process.
        return (credentials, log);
    }

    private static void Configure(OrleansTlsOptions tls, ClusterTlsCredentials credentials, ClusterTlsLog log)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.CheckCertificateRevocation = false;
        tls.HandshakeTimeout = log.Options.HandshakeTimeout;
        // Once a validation callback is set, Orleans no longer refuses on the platform's chain errors (which would
        // always report the private CA as untrusted): this callback is the whole check, against the cluster CA only.
        // Names are not checked: silos are reached by address, and membership of the cluster is the CA's signature.
        tls.RemoteCertificateValidation = (certificate, chain, _) =>
        {
            var problem = credentials.Check(certificate, chain);
            if (problem is not null)
            {
                log.Refused(certificate, problem);
            }

            return problem is null;
        };
    }
}

/// <summary>Says at start whether the cluster's connections are authenticated, and logs every refused peer certificate.</summary>
internal sealed partial class ClusterTlsLog(ClusterTlsCredentials? credentials, ClusterTlsOptions options, ClusterTlsRole role, bool multiProcess)
{
    public const string Category = "OrleansMmo.ClusterTls";

    // Null until the host starts; Orleans' connections only open after that (see ClusterTlsStart).
    private ILogger? _logger;

    public ClusterTlsOptions Options => options;

    public void Refused(X509Certificate2 certificate, string reason)
    {
        if (_logger is { } logger)
        {
            LogRefused(logger, certificate.Subject, certificate.Thumbprint, reason);
        }
    }

    public void Announce(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        if (credentials is null)
        {
            if (multiProcess)
            {
                LogOff(logger);
            }

            return;
        }

        var certificate = credentials.Certificate;
        var notAfter = certificate.NotAfter.ToUniversalTime();
        var authorities = string.Join("; ", credentials.Authorities.Select(a => a.Subject));
        LogOn(logger, role, certificate.Subject, certificate.Thumbprint, notAfter, authorities);
        var left = notAfter - time.GetUtcNow().UtcDateTime;
        if (left < options.ExpiryWarning)
        {
            LogExpiring(logger, certificate.Subject, notAfter, (int)left.TotalDays);
        }
    }

    [LoggerMessage(EventId = LogEvents.ClusterTlsOn, Level = LogLevel.Information,
        Message = "Cluster TLS on ({Role}): certificate {Subject} ({Thumbprint}), valid until {NotAfter:u}; peers must chain to {Authorities}")]
    private static partial void LogOn(ILogger logger, ClusterTlsRole role, string subject, string thumbprint, DateTime notAfter, string authorities);

    [LoggerMessage(EventId = LogEvents.ClusterTlsOff, Level = LogLevel.Warning,
        Message = "Cluster TLS is off on a multi-process cluster: anyone who reaches the silo and gateway ports can join or call any grain. Set Cluster:Tls (docs/security.md)")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ClusterTlsExpiring, Level = LogLevel.Warning,
        Message = "Cluster certificate {Subject} expires at {NotAfter:u}, in {Days} days: issue a new one (scripts/make-certificates.sh cluster) and restart one process at a time")]
    private static partial void LogExpiring(ILogger logger, string subject, DateTime notAfter, int days);

    [LoggerMessage(EventId = LogEvents.ClusterTlsRefused, Level = LogLevel.Warning,
        Message = "Refused a cluster connection: peer certificate {Subject} ({Thumbprint}) {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string thumbprint, string reason);
}

/// <summary>
/// Announces the TLS state in <see cref="IHostedLifecycleService.StartingAsync"/>, which runs before any hosted
/// service's StartAsync, the silo's and the Orleans client's included: refusals are logged from the first connection on.
/// </summary>
internal sealed class ClusterTlsStart(ClusterTlsLog log, ILogger logger, TimeProvider time) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        log.Announce(logger, time);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
