using System.Net;
using System.Net.Http.Headers;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>A silo whose admin port listens beyond loopback, as in compose (<c>Admin:Address=0.0.0.0</c>).</summary>
public sealed class ExposedAdminCluster : GameCluster
{
    public const string AdminKey = "dashboard-test-admin-key-0123456789";

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
        [("Admin:Address", "0.0.0.0"), ("Admin:Key", AdminKey), ("Admin:Keys:0:Name", "gm"), ("Admin:Keys:0:Key", "dashboard-test-gm-key-0123456789"), ("Admin:Keys:0:Role", "GameMaster")];
}

/// <summary>The silo dashboard (docs/security.md, "The dashboard"): open on a loopback admin port, behind the Admin key beyond it.</summary>
[Trait("Category", "Cluster")]
public class DashboardAccessTests(ExposedAdminCluster cluster) : IClassFixture<ExposedAdminCluster>
{
    [Fact]
    public async Task ADashboardBeyondLoopbackAsksForTheAdminKey()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}"), Timeout = TimeSpan.FromSeconds(30) };

        using var anonymous = await http.GetAsync("/dashboard/DashboardCounters");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var page = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);

        // A game master's key is not enough; a wrong one neither.
        foreach (var wrong in new[] { "dashboard-test-gm-key-0123456789", "not-the-key" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
            request.Headers.Authorization = Basic(wrong);
            using var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The Admin key as a browser sends it (Basic), or as the other admin endpoints take it (X-Admin-Key).
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters"))
        {
            request.Headers.Authorization = Basic(ExposedAdminCluster.AdminKey);
            using var allowed = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("hosts", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters"))
        {
            request.Headers.Add("X-Admin-Key", ExposedAdminCluster.AdminKey);
            using var allowed = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Health stays open: balancers and orchestrators probe it without a key.
        using var ready = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(string key) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("operator:" + key)));
}
