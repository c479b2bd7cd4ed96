using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// TLS on the game port (docs/security.md, "Passwords in clear"): a private CA and a gateway certificate made
/// here, written as PEM the way scripts/make-certificates.sh writes them, and a gateway started with them.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class GameTlsTests(FrontDoorCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task AClientLogsInAndPlaysOverTls()
    {
        using var pki = TestPki.Create();
        var gateway = await StartTlsGatewayAsync(pki);
        try
        {
            var options = new MmoClientOptions { ClientName = "tests", Tls = new MmoClientTls { TrustedCertificate = pki.Ca, TargetHost = "localhost" } };
            await using var client = await MmoClient.ConnectAsync("127.0.0.1", GameCluster.GamePortOf(gateway), options);
            var name = GameCluster.UniqueName("tls");
            await client.RegisterAsync(name, Password);
            await client.LoginAsync(name, Password);
            Assert.False(string.IsNullOrEmpty(client.AccountId));
            await client.PingAsync(new byte[] { 1, 2, 3 });
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task APlainClientCannotTalkToTheTlsPort()
    {
        using var pki = TestPki.Create();
        var gateway = await StartTlsGatewayAsync(pki);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, GameCluster.GamePortOf(gateway));
            await socket.SendAsync(RawGameSocket.Frame(Opcode.Hello, 1, new HelloRequest { ProtocolVersion = ProtocolVersion.Current, ClientName = "plain" }));

            // Closed, with at most a TLS alert: never a frame of the game.
            var received = new List<byte>();
            using var deadline = new CancellationTokenSource(Await.Default);
            var buffer = new byte[4096];
            int read;
            do
            {
                read = await socket.ReceiveAsync(buffer, deadline.Token);
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
            while (read > 0);
            Assert.True(received.Count == 0 || received[0] == 0x15, $"the TLS port answered a plain Hello with {Convert.ToHexString(received.ToArray())}");

            // And a TLS client that does not trust the certificate (no CA given: the system's roots) is refused by the SDK.
            await Assert.ThrowsAsync<AuthenticationException>(() => MmoClient.ConnectAsync("127.0.0.1", GameCluster.GamePortOf(gateway),
                new MmoClientOptions { Tls = new MmoClientTls { TargetHost = "localhost" } }));
            // Nor one trusting the right CA but expecting another name.
            await Assert.ThrowsAsync<AuthenticationException>(() => MmoClient.ConnectAsync("127.0.0.1", GameCluster.GamePortOf(gateway),
                new MmoClientOptions { Tls = new MmoClientTls { TrustedCertificate = pki.Ca, TargetHost = "gateway.example" } }));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task TheBotsPlayOverTlsWithAGivenCa()
    {
        using var pki = TestPki.Create();
        var gateway = await StartTlsGatewayAsync(pki);
        try
        {
            var json = Path.Combine(pki.Directory, "bots.json");
            var run = await ProgramRun.ToolAsync("Bots", "OrleansMmo.Bots",
            [
                "--gateway", $"127.0.0.1:{GameCluster.GamePortOf(gateway)}", "--tls-ca", pki.CaPath, "--tls-host", "localhost",
                "--bots", "2", "--prefix", GameCluster.UniqueName("t")[..10], "--duration", "6", "--move-rate", "0", "--chat-interval", "0", "--json", json,
            ], TimeSpan.FromMinutes(2));

            Assert.True(run.ExitCode == 0, run.ToString());
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.Equal(2, summary.RootElement.GetProperty("peakInWorld").GetInt64());
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public void ACertificateThatDoesNotLoadStopsTheStart()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:Tls:CertificatePath=/nonexistent/gateway.crt", "--Gateway:Tls:KeyPath=/nonexistent/gateway.key"]));
        Assert.Contains("Gateway:Tls", error.Message, StringComparison.Ordinal);
        var half = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            OrleansMmo.Gateway.Program.BuildApp(["--Gateway:Tls:CertificatePath=/nonexistent/gateway.crt"]));
        Assert.Contains("must be set together", half.Message, StringComparison.Ordinal);
    }

    private Task<Microsoft.AspNetCore.Builder.WebApplication> StartTlsGatewayAsync(TestPki pki) =>
        cluster.StartGatewayAsync([("Gateway:Tls:CertificatePath", pki.CertificatePath), ("Gateway:Tls:KeyPath", pki.KeyPath)]);

    /// <summary>A CA and a gateway certificate signed by it (names localhost and 127.0.0.1), as PEM files in a directory of their own.</summary>
    private sealed class TestPki : IDisposable
    {
        private TestPki(string directory, X509Certificate2 ca)
        {
            Directory = directory;
            Ca = ca;
        }

        public string Directory { get; }

        public X509Certificate2 Ca { get; }

        public string CaPath => Path.Combine(Directory, "ca.crt");

        public string CertificatePath => Path.Combine(Directory, "gateway.crt");

        public string KeyPath => Path.Combine(Directory, "gateway.key");

        public static TestPki Create()
        {
            var directory = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", "pki-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=OrleansMmo test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var caWithKey = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var leaf = request.Create(caWithKey, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));

            File.WriteAllText(Path.Combine(directory, "ca.crt"), caWithKey.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "gateway.crt"), leaf.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "gateway.key"), key.ExportPkcs8PrivateKeyPem());
            return new TestPki(directory, X509Certificate2.CreateFromPem(caWithKey.ExportCertificatePem()));
        }

        public void Dispose()
        {
            Ca.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
