using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Live reloads of the game data on a 2-silo cluster: checked first, applied on every silo, players told the new map.</summary>
[Collection(TwoSiloClusterCollection.Name)]
[Trait("Category", "Cluster")]
[Trait("Needs", "Redis")]
public class GameDataReloadTests(TwoSiloCluster cluster)
{
    private string ZonesFile => Path.Combine(cluster.GameDataDirectory, GameDataLoader.ZonesFileName);

    private IEnumerable<GameDataCatalog> Catalogs => cluster.Silos.Select(s => s.Services.GetRequiredService<GameDataCatalog>());

    [Fact]
    public async Task ABadReloadAnswersWhatIsWrongAndLeavesEverySilosDataUntouched()
    {
        var original = await File.ReadAllTextAsync(ZonesFile);
        var versions = Catalogs.Select(c => c.Version).ToList();
        using var api = cluster.Api();
        try
        {
            var zones = JsonNode.Parse(original, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
            zones["zones"]![0]!["portals"]![0]!["targetZone"] = "nowhere";
            await File.WriteAllTextAsync(ZonesFile, zones.ToJsonString());

            var answer = await api.PostAsync("/api/gamedata/reload");

            Assert.Equal((400, "invalid"), (answer.Status, answer.Outcome));
            Assert.Contains("zones.json, field zones[0].portals[0].targetZone", answer.Json.GetProperty("message").GetString());
            Assert.Equal(versions, Catalogs.Select(c => c.Version));
            Assert.All(Catalogs, c => Assert.Equal("hills", c.Zones["plains"].Portals[0].TargetZone));
        }
        finally
        {
            await File.WriteAllTextAsync(ZonesFile, original);
        }
    }

    [Fact]
    public async Task AGoodReloadReachesBothSilosAndPlayersInAZoneWhosePortalMovedAreToldTheNewMap()
    {
        Assert.Equal(2, cluster.Silos.Count);
        var original = await File.ReadAllTextAsync(ZonesFile);
        var players = new List<WorldPlayer>();
        using var api = cluster.Api();
        try
        {
            // Several players, so their grains live on both silos.
            for (var i = 0; i < 4; i++)
            {
                players.Add(await WorldPlayer.EnterAsync(cluster, "rl"));
            }

            // The portal east of the spawn point moves west of it.
            var zones = JsonNode.Parse(original, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
            var portal = zones["zones"]![0]!["portals"]![0]!;
            portal["min"] = new JsonObject { ["x"] = 1420, ["y"] = 1490 };
            portal["max"] = new JsonObject { ["x"] = 1440, ["y"] = 1510 };
            await File.WriteAllTextAsync(ZonesFile, zones.ToJsonString());

            var answer = await api.PostAsync("/api/gamedata/reload");

            Assert.Equal(200, answer.Status);
            Assert.Equal(2, answer.Value.GetProperty("silos").GetArrayLength());
            Assert.Equal(0, answer.Value.GetProperty("missing").GetArrayLength());
            Assert.All(Catalogs, c => Assert.Equal(1420f, c.Zones["plains"].Portals[0].Min.X));

            // Not stranded: every client hears the new map (a Teleported push in the same zone, the portal where it now is).
            foreach (var player in players)
            {
                await player.WaitForAsync(p => p.Teleports().Any(t => t.Arrival.Zone.Portals.Any(q => q.Min.X == 1420f)), "the new map");
            }

            var west = await players[0].MoveAsync(1430, 1500);
            var east = await players[1].MoveAsync(1610, 1500);
            Assert.Equal("hills", west.ZoneChanged?.Zone.ZoneId);
            Assert.True(east.Accepted);
            Assert.Null(east.ZoneChanged);
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }

            await File.WriteAllTextAsync(ZonesFile, original);
            Assert.Equal(200, (await api.PostAsync("/api/gamedata/reload")).Status);
        }
    }
}
