namespace OrleansMmo.Tests.Infrastructure;

/// <summary>Tests in this collection share one silo and one gateway.</summary>
[CollectionDefinition(Name)]
public sealed class GameClusterCollection : ICollectionFixture<GameCluster>
{
    public const string Name = "game cluster";
}
