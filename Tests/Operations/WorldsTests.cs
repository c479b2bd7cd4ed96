using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Worlds (realms) in one cluster: the world list, names per world, separate zones, maintenance, client builds.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class WorldsTests(OperationsCluster cluster)
{
    [Fact]
    public async Task TheWorldListShowsEveryWorldsStatusAndPopulationAndTheAccountsCharactersThere()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("wl");
        await using var _ = client;
        await client.CreateCharacterAsync("Wa" + Guid.NewGuid().ToString("N")[..8]);
        await client.CreateCharacterAsync("Wb" + Guid.NewGuid().ToString("N")[..8], "beta");
        await client.CreateCharacterAsync("Wc" + Guid.NewGuid().ToString("N")[..8], "beta");

        // Other tests open and close maintenance on beta; the gateway's copy follows within a heartbeat.
        IReadOnlyList<WorldInfo> worlds = [];
        await Await.Until(async () => (worlds = await client.ListWorldsAsync()).All(w => w.Status == WorldStatus.Open), "both worlds to be listed open");

        Assert.Equal(["alpha", "beta"], worlds.Select(w => w.WorldId));
        Assert.Equal([1u, 2u], worlds.Select(w => w.CharacterCount));
        Assert.Equal([true, false], worlds.Select(w => w.IsDefault));
        Assert.All(worlds, w => Assert.Equal((WorldStatus.Open, PopulationBand.Low), (w.Status, w.Population)));
        Assert.Equal("Alpha", worlds[0].Name);
        var missing = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync("Wx" + Guid.NewGuid().ToString("N")[..8], "gamma"));
        Assert.Equal(ErrorCode.WorldNotFound, missing.Code);
        var listed = await client.ListCharactersAsync();
        Assert.Equal(2, listed.Count(c => c.WorldId == "beta"));
    }

    [Fact]
    public async Task ANameIsUniqueWithinItsWorldButFreeInAnother()
    {
        var name = "Twin" + Guid.NewGuid().ToString("N")[..8];
        var (first, _, _) = await cluster.LoggedInClientAsync("nw1");
        var (second, _, _) = await cluster.LoggedInClientAsync("nw2");
        await using var _ = first;
        await using var __ = second;

        await first.CreateCharacterAsync(name);
        var elsewhere = await second.CreateCharacterAsync(name.ToUpperInvariant(), "beta");
        var taken = await Assert.ThrowsAsync<MmoErrorException>(() => second.CreateCharacterAsync(name.ToLowerInvariant(), "alpha"));

        Assert.Equal("beta", elsewhere.WorldId);
        Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
    }

    [Fact]
    public async Task EachWorldHasItsOwnInstanceOfAZone()
    {
        await using var alphaFirst = await WorldPlayer.EnterAsync(cluster, "za");
        await using var betaPlayer = await EnterInAsync("beta", "zb");
        await using var alphaSecond = await WorldPlayer.EnterAsync(cluster, "zc");

        // All three stand at the plains' spawn point, but only the two of alpha share a map.
        await alphaFirst.WaitToSeeAsync(alphaSecond.Name);
        Assert.Equal("plains", betaPlayer.Entered.Arrival.Zone.ZoneId);
        Assert.False(alphaFirst.EverSaw(betaPlayer.Name));
        Assert.False(betaPlayer.EverSaw(alphaSecond.Name));
    }

    [Fact]
    public async Task AWorldInMaintenanceLetsOnlyGameMastersInAndSaysSoInTheList()
    {
        using var admin = cluster.Api();
        var (player, _, _) = await cluster.LoggedInClientAsync("mp");
        var (gm, gmName, _) = await cluster.LoggedInClientAsync("mgm");
        await using var _ = player;
        await using var __ = gm;
        var playerCharacter = await player.CreateCharacterAsync("Mp" + Guid.NewGuid().ToString("N")[..8], "beta");
        var gmCharacter = await gm.CreateCharacterAsync("Mg" + Guid.NewGuid().ToString("N")[..8], "beta");
        Assert.Equal(200, (await admin.PutAsync($"/api/accounts/{gmName}/role", new { role = "game_master" })).Status);

        Assert.Equal(200, (await admin.PutAsync("/api/worlds/beta", new { maintenance = true })).Status);
        try
        {
            var refused = await Assert.ThrowsAsync<MmoErrorException>(() => player.EnterWorldAsync(playerCharacter.CharacterId));
            Assert.Equal(ErrorCode.WorldMaintenance, refused.Code);
            Assert.NotNull((await gm.EnterWorldAsync(gmCharacter.CharacterId)).Player);
            await Await.Until(async () => (await player.ListWorldsAsync()).Single(w => w.WorldId == "beta").Status == WorldStatus.Maintenance,
                "the world list to show beta in maintenance");
            var listed = await admin.GetAsync("/api/worlds");
            Assert.Contains(listed.Value.EnumerateArray(), w => w.GetProperty("worldId").GetString() == "beta" && w.GetProperty("maintenance").GetBoolean());
        }
        finally
        {
            Assert.Equal(200, (await admin.PutAsync("/api/worlds/beta", new { maintenance = false })).Status);
            await Await.Until(async () => (await player.ListWorldsAsync()).Single(w => w.WorldId == "beta").Status == WorldStatus.Open,
                "the world list to show beta open again");
        }

        Assert.NotNull((await player.EnterWorldAsync(playerCharacter.CharacterId)).Player);
    }

    [Fact]
    public async Task AClientBuildOlderThanItsPlatformsMinimumIsToldToUpdateAndWhere()
    {
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:ClientBuilds:MinimumBuild:windows", "120"),
            ("Gateway:ClientBuilds:UpdateUrl:windows", "https://example.com/download/windows"),
        ]);
        try
        {
            var port = GameCluster.GamePortOf(gateway);
            var old = await Assert.ThrowsAsync<MmoErrorException>(() =>
                cluster.ConnectAsync(new MmoClientOptions { ClientName = "tests", ClientPlatform = "Windows", ClientBuild = 119 }, port));
            await using var current = await cluster.ConnectAsync(new MmoClientOptions { ClientName = "tests", ClientPlatform = "windows", ClientBuild = 120 }, port);
            await using var otherPlatform = await cluster.ConnectAsync(new MmoClientOptions { ClientName = "tests", ClientPlatform = "android", ClientBuild = 1 }, port);

            Assert.Equal(ErrorCode.UpdateRequired, old.Code);
            Assert.Equal("https://example.com/download/windows", old.UpdateUrl);
            await current.PingAsync();
            await otherPlatform.PingAsync();
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task AGatewaysWorldListGoesOfflineWhenTheClusterStopsReportingIt()
    {
        var list = cluster.Gateway.Services.GetRequiredService<WorldList>();
        await Await.Until(() => list.Current(TimeSpan.FromMinutes(1)).Length == 2, "the gateway to hear of the worlds");

        Assert.All(list.Current(TimeSpan.FromMinutes(1)), w => Assert.NotEqual(OrleansMmo.Grains.World.WorldState.Offline, w.State));
        await Await.Until(() => list.Current(TimeSpan.FromMilliseconds(1)).All(w => w.State == OrleansMmo.Grains.World.WorldState.Offline),
            "a copy older than its bound to show every world offline");
    }

    private async Task<WorldPlayer> EnterInAsync(string worldId, string prefix)
    {
        var username = GameCluster.UniqueName(prefix);
        var client = await cluster.ConnectAsync();
        await client.RegisterAsync(username, WorldPlayer.Password);
        await client.LoginAsync(username, WorldPlayer.Password);
        var name = prefix + Guid.NewGuid().ToString("N")[..10];
        var character = await client.CreateCharacterAsync(name, worldId);
        return await WorldPlayer.AttachAsync(client, username, name, await client.EnterWorldAsync(character.CharacterId));
    }
}
