using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// A cluster whose idle grains are collected after two seconds, and whose players' state is written a moment after it
/// changes: a dirty grain is kept until written, so without the short write-behind interval a player that just
/// entered would outlive the collection age for that reason alone.
/// </summary>
public class ShortCollectionCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("Cluster:GrainCollection:CollectionAge", "00:00:02"),
        ("Cluster:GrainCollection:CollectionQuantum", "00:00:00.500"),
        ("World:AttachedKeepAliveInterval", "00:00:00.500"),
        ("WriteBehind:Interval", "00:00:00.200"),
    ];
}

/// <summary>A player who stands still stays in the world while its session does (docs/security.md).</summary>
[Trait("Category", "Cluster")]
public class KeepAliveTests(ShortCollectionCluster cluster) : IClassFixture<ShortCollectionCluster>
{
    [Fact]
    public async Task APlayerStandingStillOutlivesTheCollectionAgeWhileItsSessionLasts()
    {
        await using var watcher = await WorldPlayer.EnterAsync(cluster, "watch");
        await using var idle = await WorldPlayer.EnterAsync(cluster, "idle");
        await watcher.WaitToSeeAsync(idle.Name);
        var management = cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

        // A third player leaves the world: its grain, no longer attached, is collected like any idle grain. Its last
        // call came after the other two's (and their state was written before it), so collection would have taken
        // them no later: that it took only the leaver is the proof that being attached keeps them.
        await using (var leaver = await WorldPlayer.EnterAsync(cluster, "leave"))
        {
            await leaver.Client.LeaveWorldAsync();
        }

        await Await.Until(async () => await PlayerActivationsAsync(management) == 2,
            "the detached player collected while the two attached ones stay", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

        // Still in the world: seen, and reachable by whisper.
        Assert.NotNull(watcher.Snapshot(v => v.FindByName(idle.Name)));
        await watcher.Client.WhisperAsync(idle.Name, "still there?");
        await idle.WaitForAsync(p => p.Chat().Any(c => c.Text == "still there?"), "the whisper");
    }

    [Fact]
    public async Task APlayerWhoseGatewayIsGoneFromTheRegistryLeavesTheWorld()
    {
        await using var watcher = await WorldPlayer.EnterAsync(cluster, "gwat");
        await using var orphan = await WorldPlayer.EnterAsync(cluster, "orph");
        await watcher.WaitToSeeAsync(orphan.Name);
        var grains = cluster.Silo.Services.GetRequiredService<IGrainFactory>();
        var live = await grains.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();

        // The character attached again, as by a gateway that died: no registry entry, no detach ever coming. (Its pushes
        // go to a live gateway's observer, which drops frames for a connection it does not have.)
        var characterId = Guid.Parse(orphan.Entered.Character.CharacterId);
        var attached = await grains.GetGrain<IPlayerGrain>(characterId).Attach(
            new PlayerSession(Guid.NewGuid(), "gateway-that-died", 1, live[0].Observer),
            new Grains.Accounts.CharacterSummary(characterId, orphan.Name, DateTimeOffset.UtcNow, 1));
        Assert.True(attached.Succeeded, "the second attachment was refused");

        // Missing from the registry at two keep-alive ticks in a row: the player leaves its zone (and may be collected).
        await watcher.WaitNotToSeeAsync(orphan.Name);
        Assert.Contains(cluster.Logs.Entries, e => e.Contains("its gateway gateway-that-died is gone", StringComparison.Ordinal));
    }

    private static async Task<int> PlayerActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains("PlayerGrain", StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
}
