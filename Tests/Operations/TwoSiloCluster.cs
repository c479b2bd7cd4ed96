using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>
/// Two silos in one cluster (Redis membership, one SQLite file) and a gateway, reading their game data from
/// a copy the tests may edit, with an operator key: for live reloads of the game data.
/// </summary>
public sealed class TwoSiloCluster : GameCluster
{
    public const string AdminKey = "two-silo-tests-admin-key-0123";

    private readonly string _clusterId = "reload-" + Guid.NewGuid().ToString("N")[..8];

    public TwoSiloCluster()
    {
        Directory.CreateDirectory(GameDataDirectory);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestGameData")))
        {
            File.Copy(file, Path.Combine(GameDataDirectory, Path.GetFileName(file)));
        }
    }

    /// <summary>The key both silos sign tickets with: a Redis cluster refuses to start without one.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Where both silos read their game data at start (and the reload reads it on the silo asked).</summary>
    public string GameDataDirectory { get; } = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", "gamedata-" + Guid.NewGuid().ToString("N")[..8]);

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("ConnectionStrings:Redis", TestServers.RedisConfiguration),
        ("Cluster:ClusterId", _clusterId),
        ("Tickets:SigningKey", SigningKey),
        ("Admin:Key", AdminKey),
        ("World:GameDataPath", GameDataDirectory),
        ("World:GameDataPollInterval", "00:00:00.2"),
    ];

    protected override IEnumerable<(string Key, string Value)> GatewaySettings =>
    [
        ("ConnectionStrings:Redis", TestServers.RedisConfiguration),
        ("Cluster:ClusterId", _clusterId),
    ];

    protected override Task AfterStartAsync() => StartExtraSiloAsync();

    public OperatorHttp Api() => new(AdminPortOf(Silo), AdminKey);
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloCluster>
{
    public const string Name = "two-silo cluster";
}
