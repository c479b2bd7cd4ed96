using System.Text.Json;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Benchmarks;

/// <summary>A silo and gateway of the bot tool's own (fast test world): its bots chat, move and change zones,
/// which must not show in what other tests count on the shared cluster.</summary>
[CollectionDefinition(Name)]
public sealed class BotsToolCluster : ICollectionFixture<GameCluster>
{
    public const string Name = "bots tool cluster";
}

/// <summary>The bot tool, run as a person runs it.</summary>
[Collection(BotsToolCluster.Name)]
[Trait("Category", "Tools")]
public sealed class BotsToolTests(GameCluster cluster)
{
    private static readonly string Tool = ToolRun.ToolPath("Bots", "OrleansMmo.Bots");

    [Fact]
    public async Task BotsInTwoProcessesPlayChatAndChangeZonesThenSummariseAsJson()
    {
        var json = Path.Combine(cluster.DataDirectory, $"bots-{Guid.NewGuid():N}.json");
        // A second gateway: the bots are spread over both.
        var second = await cluster.StartGatewayAsync();
        string[] arguments =
        [
            "--gateway", $"127.0.0.1:{cluster.GamePort}", "--gateway", $"127.0.0.1:{GameCluster.GamePortOf(second)}", "--bots", "6", "--processes", "2", "--prefix", GameCluster.UniqueName("b")[..10],
            "--source", "127.0.0.41..127.0.0.42", "--duration", "20", "--move-rate", "5", "--chat-interval", "1", "--portal-chance", "0.5",
            "--get-player-rate", "2", "--json", json,
        ];

        var run = await ToolRun.RunAsync(Tool, arguments, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("in world", run.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = summary.RootElement;
        Assert.Equal(2, root.GetProperty("settings").GetProperty("processes").GetInt32());
        Assert.True(root.GetProperty("peakInWorld").GetInt64() == 6, run.ToString());
        var counters = root.GetProperty("counters");
        Assert.Equal(6, counters.GetProperty("Registered").GetInt64());
        Assert.True(counters.GetProperty("Moves").GetInt64() > 0, run.ToString());
        Assert.True(counters.GetProperty("ChatSent").GetInt64() > 0, run.ToString());
        Assert.True(counters.GetProperty("ZoneChanges").GetInt64() > 0, run.ToString());
        Assert.True(root.GetProperty("latency").GetProperty("GetPlayer").GetProperty("count").GetInt64() > 0);
        Assert.False(root.GetProperty("errors").TryGetProperty("WORKER_FAILED", out _), run.ToString());
    }

    [Fact]
    public async Task BadArgumentsAreRefusedWithAMessage()
    {
        var run = await ToolRun.RunAsync(Tool, ["--bots", "-3", "--prefix", "not valid!"], TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--prefix", run.Errors + run.Output, StringComparison.Ordinal);
    }
}
