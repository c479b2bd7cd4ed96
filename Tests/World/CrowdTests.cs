using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.World;

/// <summary>A cluster of its own where a player is told about at most two others.</summary>
public sealed class CrowdCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("World:MaxVisibleEntities", "2")];
}

[Trait("Category", "Cluster")]
public class CrowdTests(CrowdCluster cluster) : IClassFixture<CrowdCluster>
{
    [Fact]
    public async Task ACrowdIsCappedPerPlayerAndThoseAlreadyInViewKeepTheirPlace()
    {
        await using var viewer = await WorldPlayer.EnterAsync(cluster, "view");
        await using var first = await WorldPlayer.EnterAsync(cluster, "one");
        await using var second = await WorldPlayer.EnterAsync(cluster, "two");
        await viewer.WaitToSeeAsync(first.Name);
        await viewer.WaitToSeeAsync(second.Name);

        // A third arrives closer than both: the viewer's two places are taken by those it knows.
        await using var third = await WorldPlayer.EnterAsync(cluster, "thr");
        Assert.True((await third.MoveAsync(1500.5f, 1500)).Accepted);
        await third.WaitForAsync(p => p.Snapshot(v => v.Entities.Count) == 2, "the third to see two");
        await first.MoveAsync(1501, 1501);
        await viewer.WaitToSeeAsync(first.Name, e => e.X == 1501);
        Assert.Equal(2, viewer.Snapshot(v => v.Entities.Count));
        Assert.False(viewer.EverSaw(third.Name));

        // When one leaves, the free place goes to the stranger.
        await second.Client.LeaveWorldAsync();
        await viewer.WaitToSeeAsync(third.Name);
        Assert.Equal(2, viewer.Snapshot(v => v.Entities.Count));
    }
}
