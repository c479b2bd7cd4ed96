using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.World;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>Live reloads of the game data on a 2-silo cluster: checked first, applied on every silo, players told the new map.</summary>
[Collection(TwoSiloClusterCollection.Name)]
[Trait("Category", "Cluster")]
[Trait("Needs", "Redis")]
public class GameDataReloadTests(TwoSiloCluster cluster)
{
    private string ZonesFile => Path.Combine(cluster.GameDataDirectory, GameDataLoader.ZonesFileName);

    private string SpawnsFile => Path.Combine(cluster.GameDataDirectory, GameDataLoader.SpawnsFileName);

    private string CreaturesFile => Path.Combine(cluster.GameDataDirectory, GameDataLoader.CreaturesFileName);

    private static JsonNode ParseJson(string text) =>
        JsonNode.Parse(text, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;

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

    [Fact]
    public async Task AReloadOfSpawnsAndCreatureTemplatesReplacesALiveZonesCreaturesOnTheMapAndInPlayersViews()
    {
        var originalSpawns = await File.ReadAllTextAsync(SpawnsFile);
        var originalCreatures = await File.ReadAllTextAsync(CreaturesFile);
        await using var player = await WorldPlayer.EnterAsync(cluster, "sp");
        var zone = cluster.Silos[0].Services.GetRequiredService<IGrainFactory>()
            .GetGrain<IZoneGrain>(ZoneKeys.Of(Catalogs.First().DefaultWorld, player.Entered.Arrival.Zone.ZoneId));
        using var api = cluster.Api();
        try
        {
            Assert.DoesNotContain((await zone.Snapshot()).Entities, e => e.Kind == "creature");

            // Two dummies next to the player's zone's arrival point, and the dummy template renamed.
            var at = player.Entered.Arrival.Position;
            var spawns = ParseJson(originalSpawns);
            spawns["spawns"]!.AsArray().Add(new JsonObject
            {
                ["zone"] = player.Entered.Arrival.Zone.ZoneId,
                ["creature"] = "dummy",
                ["at"] = new JsonObject { ["x"] = at.X, ["y"] = at.Y + 20 },
                ["count"] = 2,
                ["radius"] = 2,
            });
            var creatures = ParseJson(originalCreatures);
            creatures["creatures"]!.AsArray().Single(c => (string?)c!["id"] == "dummy")!["name"] = "Reloaded Dummy";
            await File.WriteAllTextAsync(SpawnsFile, spawns.ToJsonString());
            await File.WriteAllTextAsync(CreaturesFile, creatures.ToJsonString());

            Assert.Equal(200, (await api.PostAsync("/api/gamedata/reload")).Status);

            // The running zone picks them up: the player sees them enter, the live map lists them.
            await player.WaitToSeeAsync("Reloaded Dummy");
            var map = await zone.Snapshot();
            Assert.Equal(2, map.Entities.Count(e => e is { Kind: "creature", Name: "Reloaded Dummy", Dead: false }));
            Assert.Contains(map.Entities, e => e.Kind == "player" && e.Name == player.Name);

            // And a reload back takes them out again.
            await File.WriteAllTextAsync(SpawnsFile, originalSpawns);
            await File.WriteAllTextAsync(CreaturesFile, originalCreatures);
            Assert.Equal(200, (await api.PostAsync("/api/gamedata/reload")).Status);
            await player.WaitNotToSeeAsync("Reloaded Dummy");
            Assert.DoesNotContain((await zone.Snapshot()).Entities, e => e.Kind == "creature");
        }
        finally
        {
            await File.WriteAllTextAsync(SpawnsFile, originalSpawns);
            await File.WriteAllTextAsync(CreaturesFile, originalCreatures);
            await api.PostAsync("/api/gamedata/reload");
        }
    }
}
