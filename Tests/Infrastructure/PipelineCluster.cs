namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// A cluster for pipelining tests: the same as <see cref="GameCluster"/>, but with request, move and chat
/// budgets high enough that 50 bursts in a row are judged on their order, not on their rate.
/// </summary>
public sealed class PipelineCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
        [("World:ChatBurst", "1000"), ("World:ChatPerSecond", "1000")];

    protected override IEnumerable<(string Key, string Value)> GatewaySettings =>
        [("Gateway:RequestsPerSecond", "100000"), ("Gateway:RequestBurst", "100000"), ("Gateway:MovesPerSecond", "1000"), ("Gateway:MoveBurst", "1000")];
}

[CollectionDefinition(Name)]
public sealed class PipelineClusterCollection : ICollectionFixture<PipelineCluster>
{
    public const string Name = "pipeline cluster";
}
