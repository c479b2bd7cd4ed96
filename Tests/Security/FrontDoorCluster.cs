using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// A cluster for the abuse tests (docs/security.md): a slow world, so tricks that gain distance show
/// plainly, and two zones whose portals sit half a metre from each arrival point, so a client can
/// ping-pong between zones as fast as it can send.
/// </summary>
public class FrontDoorCluster : GameCluster
{
    /// <summary>Maximum speed x tolerance (m/s), and also the budget's capacity (metres, one-second step).</summary>
    public const float SpeedAllowance = 0.5f * 1.25f;

    /// <summary>The silo's <c>World:MoveSlackMetres</c> default.</summary>
    public const float MoveSlack = 0.05f;

    public FrontDoorCluster()
    {
        Directory.CreateDirectory(GameDataDirectory);
        // The test game data (items, creatures, progression ...), then this world's own movement, zones and no spawns.
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestGameData"), "*.json"))
        {
            File.Copy(file, Path.Combine(GameDataDirectory, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(GameDataDirectory, "spawns.json"), """{ "spawns": [] }""");
        File.WriteAllText(Path.Combine(GameDataDirectory, "movement.json"), """{ "maxSpeed": 0.5, "speedTolerance": 1.25, "maxStepSeconds": 1 }""");
        File.WriteAllText(Path.Combine(GameDataDirectory, "zones.json"), """
            {
              "startZone": "east",
              "zones": [
                {
                  "id": "east", "name": "East", "width": 100, "height": 100, "spawn": { "x": 50, "y": 50 },
                  "portals": [ { "id": "east-to-west", "min": { "x": 50.4, "y": 49 }, "max": { "x": 51, "y": 51 }, "targetZone": "west", "targetPosition": { "x": 50, "y": 50 } } ]
                },
                {
                  "id": "west", "name": "West", "width": 100, "height": 100, "spawn": { "x": 50, "y": 50 },
                  "portals": [ { "id": "west-to-east", "min": { "x": 50.4, "y": 49 }, "max": { "x": 51, "y": 51 }, "targetZone": "east", "targetPosition": { "x": 50, "y": 50 } } ]
                }
              ]
            }
            """);
    }

    public string GameDataDirectory { get; } = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", "frontdoor-" + Guid.NewGuid().ToString("N"));

    /// <summary>The cluster's ticket key, given to the silo and to every gateway, so gateways refuse forged tickets themselves.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The WORLD channel's cluster-wide budget here: three lines, then (practically) none.</summary>
    public const int WorldChatBurst = 3;

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("World:GameDataPath", GameDataDirectory),
        ("Tickets:SigningKey", SigningKey),
        ("World:WorldChatBurst", WorldChatBurst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("World:WorldChatPerSecond", "0.01"),
    ];

    protected override IEnumerable<(string Key, string Value)> GatewaySettings => [("Tickets:SigningKey", SigningKey)];
}

/// <summary>The abuse tests share one <see cref="FrontDoorCluster"/>; a test that needs other gateway settings starts a gateway of its own.</summary>
[CollectionDefinition(Name)]
public sealed class FrontDoorCollection : ICollectionFixture<FrontDoorCluster>
{
    public const string Name = "front door";
}
