using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

[Collection(RegistryClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class MetricsTests(RegistryCluster cluster)
{
    [Fact]
    public async Task TheGatewayExportsConnectionsFramesLatencyLoginsAndErrors()
    {
        var (client, username, _) = await cluster.LoggedInClientAsync("metrics");
        await using var _ = client;
        await client.PingAsync();
        await using var wrong = await cluster.ConnectAsync();
        await Assert.ThrowsAsync<OrleansMmo.Client.MmoErrorException>(() => wrong.LoginAsync(username, "not the password at all"));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Gateway)}") };
        string text = "";
        await Await.Until(async () =>
        {
            text = await http.GetStringAsync("/metrics");
            return text.Contains("mmo_gateway_logins_total{", StringComparison.Ordinal)
                && text.Contains("result=\"failed\"", StringComparison.Ordinal)
                && text.Contains("opcode=\"Ping\"", StringComparison.Ordinal);
        }, "the gateway's metrics to show the logins and the ping");

        Assert.Contains("mmo_gateway_connections", text);
        Assert.Contains("mmo_gateway_frames_received_total", text);
        Assert.Contains("mmo_gateway_frames_sent_total", text);
        Assert.Contains("mmo_gateway_bytes_received_bytes_total", text);
        Assert.Contains("mmo_gateway_request_duration_seconds_bucket{", text);
        Assert.Matches("mmo_gateway_request_duration_seconds_count\\{[^}]*opcode=\"Login\"", text);
        Assert.Matches("mmo_gateway_logins_total\\{[^}]*kind=\"login\"[^}]*result=\"ok\"", text);
        Assert.Matches("mmo_gateway_errors_total\\{[^}]*code=\"InvalidCredentials\"", text);
    }

    [Fact]
    public async Task TheSiloExportsOrleansMetricsOnItsAdminPort()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}") };
        string text = "";
        await Await.Until(async () =>
        {
            text = await http.GetStringAsync("/metrics");
            return text.Contains("orleans_", StringComparison.Ordinal);
        }, "the silo's metrics to show Orleans' instruments");
        Assert.Contains("# TYPE", text);
    }
}
