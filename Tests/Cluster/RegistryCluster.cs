using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

/// <summary>A silo and a gateway with fast registry heartbeats and an admin key, for registry and drain tests.</summary>
public sealed class RegistryCluster : GameCluster
{
    public const string AdminKey = "registry-tests-admin-key";

    /// <summary>Short, so an expiry can be awaited in a test; still three heartbeats.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(1.5);

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("GatewayRegistry:Expiry", Expiry.ToString()),
    ];

    protected override IEnumerable<(string Key, string Value)> GatewaySettings =>
    [
        ("Gateway:RegistryHeartbeatInterval", "00:00:00.5"),
        ("Admin:Key", AdminKey),
    ];
}

[CollectionDefinition(Name)]
public sealed class RegistryClusterCollection : ICollectionFixture<RegistryCluster>
{
    public const string Name = "registry cluster";
}
