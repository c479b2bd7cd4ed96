using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Tests.World;

/// <summary>The game data the silo ships with loads, and each kind of mistake names its file and field.</summary>
[Trait("Category", "Unit")]
public sealed class GameDataTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orleansmmo-gamedata-" + Guid.NewGuid().ToString("N"));

    public GameDataTests()
    {
        Directory.CreateDirectory(_directory);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GameData"), "*.json"))
        {
            File.Copy(file, Path.Combine(_directory, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void TheShippedGameDataLoads()
    {
        var data = GameDataLoader.Load(Path.Combine(AppContext.BaseDirectory, "GameData"));

        Assert.True(data.Zones.ContainsKey(data.StartZone));
        Assert.True(data.Zones.Count >= 2);
        Assert.All(data.Zones.Values.SelectMany(z => z.Portals), p => Assert.True(data.Zones.ContainsKey(p.TargetZone)));
        Assert.True(data.Movement.MaxSpeed > 0);
        Assert.NotEmpty(data.Items);

        // The gameplay data: a curve from level 1, creatures on it with loot that exists, spawns in real zones.
        Assert.Equal(0, data.Progression.Levels[0].Experience);
        Assert.True(data.Progression.MaxLevel >= 2);
        Assert.NotEmpty(data.Creatures);
        Assert.All(data.Creatures.Values, c => Assert.InRange(c.Level, 1, data.Progression.MaxLevel));
        Assert.All(data.Creatures.Values.Where(c => c.LootTable is not null), c => Assert.True(data.Loot.ContainsKey(c.LootTable!)));
        Assert.NotEmpty(data.Spawns[data.StartZone]);
        Assert.All(data.Spawns.Keys, zone => Assert.True(data.Zones.ContainsKey(zone)));
        Assert.Contains(data.Zones.Values, z => z.Pvp);
        Assert.Contains(data.Items.Values, i => i.Effects is { Count: > 0 });
        Assert.Contains(data.Items.Values, i => !i.Tradeable);
    }

    [Theory]
    [InlineData("zones.json", "\"targetZone\": \"forest\"", "\"targetZone\": \"nowhere\"", "zones[0].portals[0].targetZone")]
    [InlineData("zones.json", "\"startZone\": \"meadow\"", "\"startZone\": \"moon\"", "startZone")]
    [InlineData("zones.json", "\"width\": 1500", "\"width\": -3", "zones[1].width")]
    [InlineData("zones.json", "\"spawn\": { \"x\": 500, \"y\": 500 }", "\"spawn\": { \"x\": 5000, \"y\": 500 }", "zones[0].spawn")]
    [InlineData("zones.json", "\"name\": \"Green Meadow\",", "\"name\": \"Green Meadow\", \"colour\": \"green\",", "$.zones[0].colour")]
    [InlineData("movement.json", "\"maxSpeed\": 7.0", "\"maxSpeed\": 0", "maxSpeed")]
    [InlineData("items.json", "{ \"itemId\": \"bread\", \"count\": 5 }", "{ \"itemId\": \"cake\", \"count\": 5 }", "startingItems[1].itemId")]
    [InlineData("items.json", "\"maxStack\": 20", "\"maxStack\": \"twenty\"", "$.items[0].maxStack")]
    [InlineData("items.json", "{ \"type\": \"heal\", \"amount\": 50 }", "{ \"type\": \"poison\", \"amount\": 50 }", "items[0].effects[0].type")]
    [InlineData("zones.json", "\"graveyard\": { \"x\": 480, \"y\": 470 }", "\"graveyard\": { \"x\": -5, \"y\": 470 }", "zones[0].graveyard")]
    [InlineData("zones.json", "\"pvp\": true", "\"pvp\": \"yes\"", "$.zones[1].pvp")]
    [InlineData("progression.json", "\"attackCooldownSeconds\": 1.5", "\"attackCooldownSeconds\": 0", "player.attackCooldownSeconds")]
    [InlineData("progression.json", "{ \"level\": 4,", "{ \"level\": 5,", "levels[3].level")]
    [InlineData("progression.json", "\"experience\": 250,", "\"experience\": 90,", "levels[2].experience")]
    [InlineData("progression.json", "\"health\": 190,", "\"health\": 0,", "levels[4].health")]
    [InlineData("creatures.json", "\"level\": 7,", "\"level\": 11,", "creatures[4].level")]
    [InlineData("creatures.json", "\"leashDistance\": 40", "\"leashDistance\": 5", "creatures[1].leashDistance")]
    [InlineData("creatures.json", "\"loot\": \"boar\"", "\"loot\": \"pig\"", "creatures[2].loot")]
    [InlineData("creatures.json", "\"respawnSeconds\": 60", "\"respawnSeconds\": 0", "creatures[3].respawnSeconds")]
    [InlineData("creatures.json", "\"speed\": 6.5, \"aggroRadius\": 15", "\"speed\": \"fast\", \"aggroRadius\": 15", "$.creatures[3].speed")]
    [InlineData("loot.json", "{ \"itemId\": \"wolf-pelt\"", "{ \"itemId\": \"bear-pelt\"", "tables[1].items[0].itemId")]
    [InlineData("loot.json", "\"gold\": { \"min\": 15, \"max\": 40, \"chance\": 1 }", "\"gold\": { \"min\": 15, \"max\": 40, \"chance\": 1.5 }", "tables[4].gold.chance")]
    [InlineData("loot.json", "\"chance\": 0.3, \"min\": 2, \"max\": 5", "\"chance\": 0.3, \"min\": 2, \"max\": 500", "tables[4].items[1].max")]
    [InlineData("spawns.json", "{ \"zone\": \"forest\", \"creature\": \"wolf\"", "{ \"zone\": \"swamp\", \"creature\": \"wolf\"", "spawns[6].zone")]
    [InlineData("spawns.json", "\"creature\": \"bandit\"", "\"creature\": \"dragon\"", "spawns[9].creature")]
    [InlineData("spawns.json", "\"at\": { \"x\": 1200, \"y\": 500 }", "\"at\": { \"x\": 5000, \"y\": 500 }", "spawns[9].at")]
    [InlineData("spawns.json", "\"count\": 8, \"radius\": 30", "\"count\": 20001, \"radius\": 30", "spawns[0].count")]
    public void AMistakeNamesTheFileAndTheField(string file, string find, string replace, string field)
    {
        var path = Path.Combine(_directory, file);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, replace));

        var error = Assert.Throws<GameDataException>(() => GameDataLoader.Load(_directory));

        Assert.Equal(file, error.File);
        Assert.Equal(field, error.Field);
        Assert.Contains(file, error.Message);
    }

    [Theory]
    [InlineData("zones.json")]
    [InlineData("movement.json")]
    [InlineData("items.json")]
    [InlineData("progression.json")]
    [InlineData("creatures.json")]
    [InlineData("loot.json")]
    [InlineData("spawns.json")]
    public void AMissingFileIsNamed(string file)
    {
        File.Delete(Path.Combine(_directory, file));
        var error = Assert.Throws<GameDataException>(() => GameDataLoader.Load(_directory));
        Assert.Equal(file, error.File);
        Assert.Equal("(file)", error.Field);
    }

    [Fact]
    public void TooManyCreaturesInOneZoneAreRefused()
    {
        // Each spawn point is within its own limit: the first two fill the meadow exactly to the
        // zone's limit (allowed), the third passes it.
        var path = Path.Combine(_directory, "spawns.json");
        var text = File.ReadAllText(path);
        var find = "\"count\": 8, \"radius\": 30";
        Assert.Contains(find, text);
        File.WriteAllText(path, text.Replace(find, "\"count\": 10000, \"radius\": 30")
            .Replace("\"count\": 6, \"radius\": 25", "\"count\": 10000, \"radius\": 25"));

        var error = Assert.Throws<GameDataException>(() => GameDataLoader.Load(_directory));

        Assert.Equal("spawns.json", error.File);
        Assert.Equal("spawns[2].count", error.Field);
        Assert.Contains(GameDataLoader.MaxCreaturesPerZone.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void TheSiloRefusesToStartOnBadGameData()
    {
        var path = Path.Combine(_directory, "zones.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"startZone\": \"meadow\"", "\"startZone\": \"moon\""));

        var error = Assert.Throws<GameDataException>(() => OrleansMmo.Silo.Program.BuildApp([$"--World:GameDataPath={_directory}", "--Admin:Port=0"]));
        Assert.Equal("startZone", error.Field);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
