using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.ToolTests;

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

        var run = await ProgramRun.ToolAsync("Bots", "OrleansMmo.Bots", arguments, TimeSpan.FromMinutes(2));

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
        var run = await ProgramRun.ToolAsync("Bots", "OrleansMmo.Bots", ["--bots", "-3", "--prefix", "not valid!"], TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--prefix", run.Errors + run.Output, StringComparison.Ordinal);
    }
}

/// <summary>A cluster on the demo world the silo ships (the meadow, with its rabbits near the arrival point).</summary>
public sealed class DemoWorldCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
        [("World:GameDataPath", Path.Combine(AppContext.BaseDirectory, "GameData"))];
}

/// <summary>The bot tool's <c>--combat</c> and <c>--trade-rate</c>: bots hunt the demo world's creatures, drink potions and trade through the real protocol.</summary>
[Trait("Category", "Tools")]
public sealed class BotsCombatToolTests(DemoWorldCluster cluster) : IClassFixture<DemoWorldCluster>
{
    /// <summary>The demo game data's default world (GameData/worlds.json), where the bots create their characters.</summary>
    private const string DemoWorld = "emerald";

    [Fact]
    public async Task CombatBotsKillCreaturesTradeAndReportKillsExperienceRefusalsAndABalancedLedger()
    {
        var json = Path.Combine(cluster.DataDirectory, $"combat-{Guid.NewGuid():N}.json");
        string[] arguments =
        [
            "--gateway", $"127.0.0.1:{cluster.GamePort}", "--bots", "4", "--prefix", GameCluster.UniqueName("c")[..10],
            "--duration", "40", "--move-rate", "4", "--chat-interval", "0", "--portal-chance", "0", "--roam-radius", "40",
            "--combat", "--trade-rate", "30", "--json", json,
        ];

        var run = await ProgramRun.ToolAsync("Bots", "OrleansMmo.Bots", arguments, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("combat:", run.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("settings").GetProperty("combat").GetBoolean());
        var counters = root.GetProperty("counters");
        // Rabbits (24 health) fall to two level-1 hits (12 each) and give 10 experience apiece.
        Assert.True(counters.GetProperty("Kills").GetInt64() > 0, run.ToString());
        Assert.True(counters.GetProperty("Hits").GetInt64() >= 2 * counters.GetProperty("Kills").GetInt64(), run.ToString());
        Assert.True(counters.GetProperty("ExperienceGained").GetInt64() >= 10 * counters.GetProperty("Kills").GetInt64(), run.ToString());
        Assert.True(counters.GetProperty("CombatEventsSeen").GetInt64() > 0, run.ToString());
        Assert.True(root.GetProperty("latency").GetProperty("Attack").GetProperty("count").GetInt64() > 0, run.ToString());
        // Refusals are reported by reason, apart from errors; a fight in the demo world makes no errors.
        Assert.Equal(JsonValueKind.Object, root.GetProperty("refusals").ValueKind);
        Assert.False(root.GetProperty("errors").EnumerateObject().Any(), run.ToString());
        // Every bot read its final inventory, and every gold piece and item is accounted for: start + loot - used = end.
        Assert.Equal(4, counters.GetProperty("LedgerBots").GetInt64());
        Assert.Contains("conservation over 4 bots", run.Output, StringComparison.Ordinal);
        Assert.Contains(": OK", run.Output, StringComparison.Ordinal);
        // They start together at the spawn point: invitations go out (whether they complete depends on where the hunt takes them).
        Assert.True(counters.GetProperty("TradesRequested").GetInt64() > 0, run.ToString());
        // The ledger per item id, each balanced: the starting potions and bread at least.
        var ledger = root.GetProperty("itemLedger").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(4 * 3, ledger["start/potion-small"]);
        foreach (var id in ledger.Keys.Select(k => k[(k.IndexOf('/') + 1)..]).Distinct())
        {
            Assert.True(ledger.GetValueOrDefault($"start/{id}") + ledger.GetValueOrDefault($"looted/{id}") - ledger.GetValueOrDefault($"used/{id}")
                == ledger.GetValueOrDefault($"end/{id}"), $"{id} unbalanced: {run}");
        }
    }

    [Fact]
    public async Task ARunWhereAPotionTurnedIntoBreadFailsTheConservationCheckThoughTheTotalsAgree()
    {
        var prefix = GameCluster.UniqueName("v")[..10];
        var name = prefix + "000000";
        string[] arguments =
        [
            "--gateway", $"127.0.0.1:{cluster.GamePort}", "--bots", "1", "--first-index", "0", "--prefix", prefix,
            "--duration", "12", "--move-rate", "4", "--chat-interval", "0", "--portal-chance", "0", "--roam-radius", "20", "--combat",
        ];
        var running = ProgramRun.ToolAsync("Bots", "OrleansMmo.Bots", arguments, TimeSpan.FromMinutes(2));

        // Once the bot walks from where it entered, it has read its starting inventory: then an operator takes a
        // potion and grants a loaf of bread. The run's totals still agree (as many items as before); per item they do not.
        var grains = cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IOperatorGrain>(0);
        var op = new OperatorIdentity("test", AccountRole.Admin, OperatorChannel.Api, "127.0.0.1");
        async Task<CharacterView?> LookAsync() => (await grains.LookUpCharacter(op, DemoWorld, name)).Value?.Character is { InWorld: true } c ? c : null;
        await Await.Until(async () => await LookAsync() is not null, "the bot in the world", TimeSpan.FromSeconds(60));
        var entered = (await LookAsync())!.Position;
        await Await.Until(async () => await LookAsync() is { } c && c.Position != entered, "the bot's first step", TimeSpan.FromSeconds(60));
        Assert.Equal(OperatorOutcome.Ok, (await grains.Grant(op, DemoWorld, name, new InventoryChange("potion-small", -1, 0), "test")).Outcome);
        Assert.Equal(OperatorOutcome.Ok, (await grains.Grant(op, DemoWorld, name, new InventoryChange("bread", 1, 0), "test")).Outcome);

        var run = await running;

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("FAILED", run.Output, StringComparison.Ordinal);
        Assert.Contains("potion-small -1", run.Output, StringComparison.Ordinal);
        Assert.Contains("bread +1", run.Output, StringComparison.Ordinal);
    }
}
