using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansMmo.Hosting;
using OrleansMmo.Tests.Cluster;
using OrleansMmo.Tests.Infrastructure;
using Xunit.Abstractions;
using RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// The native cluster runs with mutual TLS (cluster.sh's production setting, certificates from
/// scripts/make-certificates.sh cluster): an Orleans client without a cluster certificate, or with one of
/// another CA, cannot call a grain; one with the cluster's certificate can; the silo-to-silo port talks to
/// nobody without one either. Every other test of this collection plays through the same TLS cluster.
/// </summary>
[Collection(NativeClusterCollection.Name)]
[Trait("Category", "Native")]
[Trait("Needs", "NativeCluster")]
public sealed class ClusterTlsRefusalTests(NativeCluster cluster, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Attempt = TimeSpan.FromSeconds(30);

    private readonly ClusterPki _intruders = ClusterPki.Create("intruders' CA");

    public void Dispose() => _intruders.Dispose();

    private string CertificateDirectory => cluster.Settings["CLUSTER_TLS_DIR"];

    [Fact]
    public void TheClusterRunsWithCertificatesOfItsOwnCa()
    {
        Assert.False(string.IsNullOrEmpty(CertificateDirectory), "cluster.sh started the native cluster without Cluster:Tls");
        // What the script issued fits each role (silos: serverAuth and clientAuth; gateways: clientAuth).
        foreach (var (name, role) in new[] { ("silo1", ClusterTlsRole.Silo), ("silo2", ClusterTlsRole.Silo), ("gateway1", ClusterTlsRole.Client), ("gateway2", ClusterTlsRole.Client) })
        {
            using var credentials = ClusterTlsCredentials.Load(ClusterOptions(name), role);
            Assert.Equal($"CN={name}", credentials.Certificate.Subject);
        }

        Assert.Contains(File.ReadLines(Path.Combine(cluster.RunDirectory, "logs", "gateway1.log")), l => l.Contains("Cluster TLS on (Client)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOrleansClientWithTheClusterCertificateCallsAGrain()
    {
        var (_, gatewayPort) = await LiveSiloAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Tls:CertificatePath"] = Path.Combine(CertificateDirectory, "gateway1.crt"),
            ["Cluster:Tls:KeyPath"] = Path.Combine(CertificateDirectory, "gateway1.key"),
            ["Cluster:Tls:CaCertificatePath"] = Path.Combine(CertificateDirectory, "ca.crt"),
        }).Build();

        var error = await TryCallAGrainAsync(gatewayPort, client => client.UseMmoClusterTls(configuration));
        Assert.Null(error);
    }

    [Fact]
    public async Task AnOrleansClientWithoutACertificateCannotCallAGrain()
    {
        var (_, gatewayPort) = await LiveSiloAsync();

        // Plain: what anyone on the cluster network would try first.
        var plain = await TryCallAGrainAsync(gatewayPort, _ => { });
        Assert.NotNull(plain);

        // TLS, but nothing to show: even trusting any silo, it is refused.
        var anonymous = await TryCallAGrainAsync(gatewayPort, client => client.UseTls(tls =>
        {
            tls.ClientCertificateMode = RemoteCertificateMode.NoCertificate;
            tls.AllowAnyRemoteCertificate();
        }));
        Assert.NotNull(anonymous);
    }

    [Fact]
    public async Task AnOrleansClientWithACertificateOfAnotherCaCannotCallAGrain()
    {
        var (silo, gatewayPort) = await LiveSiloAsync();
        // Right names, right usages, wrong CA; and it trusts any silo, so the refusal is the silo's.
        var intruder = _intruders.Issue("gateway1", silo: false);
        using var certificate = X509Certificate2.CreateFromPemFile(intruder.Certificate, intruder.Key);
        var error = await TryCallAGrainAsync(gatewayPort, client => client.UseTls(certificate, tls =>
        {
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.AllowAnyRemoteCertificate();
        }));
        Assert.NotNull(error);

        // And the silo says whom it refused.
        var log = Path.Combine(cluster.RunDirectory, "logs", $"{silo}.log");
        await Await.Until(() => File.ReadLines(log).Any(l => l.Contains("Refused a cluster connection", StringComparison.Ordinal) && l.Contains(certificate.Thumbprint, StringComparison.Ordinal)),
            $"{silo} to log the refused certificate", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheSiloPortTalksOnlyToPeersWithACertificateOfTheClusterCa()
    {
        var (silo, _) = await LiveSiloAsync();
        var siloPort = cluster.Port(silo == "silo1" ? "SILO1_PORT" : "SILO2_PORT");
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(CertificateDirectory, "ca.crt")));

        // A member (another silo's certificate): the silo presents its cluster certificate and, unasked, its Orleans preamble.
        using (var member = X509Certificate2.CreateFromPemFile(Path.Combine(CertificateDirectory, silo == "silo1" ? "silo2.crt" : "silo1.crt"),
            Path.Combine(CertificateDirectory, silo == "silo1" ? "silo2.key" : "silo1.key")))
        {
            var (presented, received) = await HandshakeAndReadAsync(siloPort, member, ca);
            Assert.True(presented is not null, "the silo port presented no certificate of the cluster CA");
            Assert.True(received > 0, "the silo port said nothing to a member of the cluster");
        }

        // No certificate, or one of another CA: the connection ends before the silo says a word.
        var intruder = _intruders.Issue("silo3", silo: true);
        using var stranger = X509Certificate2.CreateFromPemFile(intruder.Certificate, intruder.Key);
        foreach (var certificate in new[] { null, stranger })
        {
            var (_, received) = await HandshakeAndReadAsync(siloPort, certificate, ca);
            Assert.True(received == 0, $"the silo port answered a peer with {certificate?.Subject ?? "no certificate"}");
        }
    }

    /// <summary>
    /// TLS to <paramref name="port"/> with <paramref name="certificate"/> (or none), trusting a server of <paramref name="ca"/>;
    /// then reads until the first bytes or the end. Returns the server's certificate (null when the handshake failed)
    /// and how much it sent.
    /// </summary>
    private static async Task<(X509Certificate2? Presented, int Received)> HandshakeAndReadAsync(int port, X509Certificate2? certificate, X509Certificate2 ca)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(Attempt);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "silo",
                ClientCertificates = certificate is null ? null : [certificate],
                // The silo is reached by address: its certificate's name is not checked, its CA is.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                RemoteCertificateValidationCallback = (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None,
            }, deadline.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            return (null, 0);
        }

        var presented = tls.RemoteCertificate is null ? null : new X509Certificate2(tls.RemoteCertificate);
        try
        {
            // TLS 1.3 finishes the client's side of the handshake before the server has judged the client's
            // certificate: a refusal arrives as an alert, or the end of the stream, on this first read.
            var read = await tls.ReadAsync(new byte[256], deadline.Token);
            return (presented, read);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            return (presented, 0);
        }
    }

    /// <summary>Starts an Orleans client on one silo's gateway port and calls the management grain: null when that worked, else the error.</summary>
    private async Task<Exception?> TryCallAGrainAsync(int gatewayPort, Action<IClientBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.Settings["CLUSTER_ID"];
                o.ServiceId = "orleansmmo";
            });
            // One attempt: a refused client would otherwise retry for as long as it is let.
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            configure(client);
        });
        using var host = builder.Build();
        using var deadline = new CancellationTokenSource(Attempt);
        try
        {
            await host.StartAsync(deadline.Token);
            var hosts = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(deadline.Token);
            Assert.NotEmpty(hosts);
            return null;
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            output.WriteLine($"refused: {ex.GetType().Name}: {ex.Message}");
            return ex;
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(stop.Token);
        }
    }

    /// <summary>A silo this collection's failover tests have not killed: its name and gateway port.</summary>
    private async Task<(string Silo, int GatewayPort)> LiveSiloAsync()
    {
        foreach (var silo in new[] { "silo1", "silo2" })
        {
            var port = cluster.Port(silo == "silo1" ? "SILO1_GATEWAY_PORT" : "SILO2_GATEWAY_PORT");
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return (silo, port);
            }
            catch (SocketException)
            {
                // Killed by a failover test: the other one lives.
            }
        }

        throw new InvalidOperationException("no silo of the native cluster is running");
    }

    private ClusterTlsOptions ClusterOptions(string name) => new()
    {
        CertificatePath = Path.Combine(CertificateDirectory, $"{name}.crt"),
        KeyPath = Path.Combine(CertificateDirectory, $"{name}.key"),
        CaCertificatePath = Path.Combine(CertificateDirectory, "ca.crt"),
    };
}
