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

    [Fact]
    public void AMissingFileIsNamed()
    {
        File.Delete(Path.Combine(_directory, "items.json"));
        var error = Assert.Throws<GameDataException>(() => GameDataLoader.Load(_directory));
        Assert.Equal("items.json", error.File);
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
