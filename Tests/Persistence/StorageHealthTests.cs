using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Diagnostics;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary><c>/health/storage</c> on the silo's admin port writes game state through its storage canary.</summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class StorageHealthTests(GameCluster cluster)
{
    [Fact]
    public async Task TheStorageCheckWritesThisSilosCanaryAndSaysItIsHealthy()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}") };

        using var response = await http.GetAsync("/health/storage");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        var silo = cluster.Silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var canary = cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageCanaryGrain>($"health:{silo.Endpoint}");
        var report = await canary.Report();
        Assert.True(report.RecordExists && !report.IsDirty, $"the canary is not stored: {report}");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - report.Position, 0, 60_000);
    }
}
