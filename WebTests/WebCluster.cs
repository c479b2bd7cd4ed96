using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.WebTests;

[CollectionDefinition(Name)]
public sealed class WebClusterCollection : ICollectionFixture<GameCluster>
{
    public const string Name = "web cluster";
}
