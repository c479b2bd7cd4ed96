using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.World;

/// <summary>A cluster of its own where a player is told about at most two others.</summary>
public sealed class CrowdCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("World:MaxVisibleEntities", "2"), ("World:CreatureViewPlaces", "0")];
}

/// <summary>
/// A cluster of its own where a view holds three, one of them kept for creatures; no portal cooldown (the players
/// walk through two portals in a row to reach the arena, as in <see cref="CombatTests"/>).
/// </summary>
public sealed class CrowdFightCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
        [("World:MaxVisibleEntities", "3"), ("World:CreatureViewPlaces", "1"), ("World:PortalCooldown", "00:00:00")];
}

[Trait("Category", "Cluster")]
public class CrowdFightTests(CrowdFightCluster cluster) : IClassFixture<CrowdFightCluster>
{
    [Fact]
    public async Task APlayerInACrowdLargerThanItsViewStillSeesAndFightsTheCreatureBesideIt()
    {
        // Four others stand at the arena's arrival point before the fighter comes: the nearest strangers, and more
        // than a view holds. The dummy at (560, 500) is 60 m away, the farthest of all: without places kept for
        // creatures the players would take the whole view and keep it (known ones keep their places).
        var crowd = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var other = await WorldPlayer.EnterAsync(cluster, $"cr{i}");
                crowd.Add(other);
                await CombatTests.GoToArenaAsync(other);
            }

            await using var fighter = await WorldPlayer.EnterAsync(cluster, "fgt");
            await CombatTests.GoToArenaAsync(fighter);
            await fighter.WaitForAsync(p => p.Snapshot(v => v.Entities.Values.Count(e => e.Kind == EntityKind.Player)) == 2,
                "two of the crowd in view");

            // Walking to the dummy, the crowd stays in range (57 m) and the view full.
            await CombatTests.WalkAsync(fighter, 557, 500);
            var dummy = await CombatTests.NearestAsync(fighter, "dummy", 557, 500);
            Assert.Equal(3, fighter.Snapshot(v => v.Entities.Count));
            Assert.Equal(2, fighter.Snapshot(v => v.Entities.Values.Count(e => e.Kind == EntityKind.Player)));

            var hit = await CombatTests.AttackWhenReadyAsync(fighter, dummy.EntityId);
            Assert.True(hit.Hit, $"refused: {hit.Refusal}");
            await fighter.WaitForAsync(p => p.Snapshot(v => v.Entities.GetValueOrDefault(dummy.EntityId)) is { HealthPercent: < 100 },
                "the dummy's health after the hit");
        }
        finally
        {
            foreach (var other in crowd)
            {
                await other.DisposeAsync();
            }
        }
    }
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
