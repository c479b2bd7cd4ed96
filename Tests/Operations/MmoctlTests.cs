using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>mmoctl's commands against a real silo's operator API: tables, JSON, exit codes.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class MmoctlTests(OperationsCluster cluster)
{
    [Fact]
    public async Task WorldsAndOnlinePlayersPrintAsTablesOrAsJson()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "ctl");

        var table = await RunAsync("worlds");
        var json = await RunAsync("worlds", "--json");
        var online = await RunAsync("online", "--search", player.Name);

        Assert.Equal(0, table.Code);
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("WORLDID", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("alpha ", StringComparison.Ordinal) && l.Contains("Alpha", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("beta ", StringComparison.Ordinal));
        Assert.Equal(["alpha", "beta"], JsonDocument.Parse(json.Out).RootElement.EnumerateArray().Select(w => w.GetProperty("worldId").GetString()));
        Assert.Equal(0, online.Code);
        Assert.Contains(player.Name, online.Out);
        Assert.Contains(player.Username, online.Out);
    }

    [Fact]
    public async Task AKickFromTheCommandLineDisconnectsThePlayerAndShowsInTheAuditLog()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "ctk");

        var kick = await RunAsync("kick", "character", "alpha", player.Name, "--reason", "from the shell");

        Assert.Equal((0, "kicked"), (kick.Code, kick.Out.Trim()));
        Assert.Equal(DisconnectReason.KickedByAdmin, (await Await.Within(player.Client.Disconnected, "the kick")).Reason);
        var audit = await RunAsync("audit", "--target", $"character:alpha/{player.Name.ToLowerInvariant()}");
        Assert.Equal(0, audit.Code);
        var row = Assert.Single(audit.Out.Split('\n'), l => l.Contains("kick", StringComparison.Ordinal) && l.Contains("key:ops-admin", StringComparison.Ordinal));
        Assert.Contains(" ok", row);
    }

    [Fact]
    public async Task RefusalsExitWithOneAndSayWhyAndAWrongKeyExitsWithTwo()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "ctr");

        var forbidden = await RunWithKeyAsync(OperationsCluster.GameMasterKey, "grant", "alpha", player.Name, "--gold", "5");
        var missing = await RunAsync("player", "alpha", "Nobody" + Guid.NewGuid().ToString("N")[..8]);
        var wrongKey = await RunWithKeyAsync("not-the-right-key-at-all", "worlds");

        Assert.Equal(1, forbidden.Code);
        Assert.StartsWith("forbidden: needs Admin", forbidden.Err);
        Assert.Equal(1, missing.Code);
        Assert.StartsWith("not_found", missing.Err);
        Assert.Equal(2, wrongKey.Code);
        Assert.Contains("401", wrongKey.Err);
    }

    [Fact]
    public async Task BansStatisticsGatewaysAndTheShutdownStatusWorkFromTheCommandLine()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "ctb");

        var ban = await RunAsync("ban", "account", player.Username, "--minutes", "5", "--reason", "test");
        var lookup = await RunAsync("account", player.Username);
        var unban = await RunAsync("unban", "account", player.Username);
        var stats = await RunAsync("stats", "--world", "alpha");
        var gateways = await RunAsync("gateways");
        var shutdown = await RunAsync("shutdown", "status", "--json");

        Assert.Equal(0, ban.Code);
        Assert.Equal(DisconnectReason.KickedByAdmin, (await Await.Within(player.Client.Disconnected, "the ban's kick")).Reason);
        Assert.Contains("reason", lookup.Out);
        Assert.Contains("test", lookup.Out);
        Assert.Equal(0, unban.Code);
        Assert.Equal(0, stats.Code);
        Assert.Contains("alpha", stats.Out);
        Assert.Contains(cluster.Gateway.Services.GetService(typeof(OrleansMmo.Gateway.Sessions.GatewayIdentity)) is OrleansMmo.Gateway.Sessions.GatewayIdentity id ? id.GatewayId : "?", gateways.Out);
        Assert.Equal("none", JsonDocument.Parse(shutdown.Out).RootElement.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task AnnounceReachesPlayersAndDrainUndrainTurnAGatewayAwayAndBack()
    {
        var gatewayId = cluster.Gateway.Services.GetRequiredService<OrleansMmo.Gateway.Sessions.GatewayIdentity>().GatewayId;
        var text = "Maintenance tonight " + Guid.NewGuid().ToString("N")[..6];
        await using (var player = await WorldPlayer.EnterAsync(cluster, "cta"))
        {
            var announce = await RunAsync("announce", text);
            Assert.Equal(0, announce.Code);
            await player.WaitForAsync(p => p.Chat().Any(c => c.Channel == ChatChannel.System && c.Text == text), "the announcement");
        }

        // The collection's only gateway, with nobody of this test on it: drained, then taken back.

        try
        {
            var drain = await RunAsync("drain", gatewayId);
            Assert.Equal(0, drain.Code);
            Assert.StartsWith("draining", drain.Out.Trim());
            await Await.Until(async () => GatewayDraining(await RunAsync("gateways", "--json"), gatewayId), "the registry to show the gateway draining");
        }
        finally
        {
            var undrain = await RunAsync("undrain", gatewayId);
            Assert.Equal((0, "accepting clients again"), (undrain.Code, undrain.Out.Trim()));
        }

        await Await.Until(async () => !GatewayDraining(await RunAsync("gateways", "--json"), gatewayId), "the registry to show the gateway back");
        var unknown = await RunAsync("drain", "no-such-gateway");
        Assert.Equal(1, unknown.Code);
        Assert.StartsWith("not_found", unknown.Err);
    }

    [Fact]
    public async Task TheBuiltToolRunsAsItsOwnProcessWithTheKeyFromTheEnvironment()
    {
        // The executable as an operator runs it: dotnet mmoctl.dll, key and address from the environment.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "mmoctl.dll"), "worlds"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[OrleansMmo.Mmoctl.Program.KeyVariable] = OperationsCluster.AdminKey;
        start.Environment[OrleansMmo.Mmoctl.Program.UrlVariable] = $"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await Await.Within(process.WaitForExitAsync(), "mmoctl to exit", TimeSpan.FromSeconds(60));

        Assert.Equal((0, ""), (process.ExitCode, await error));
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("WORLDID", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("alpha ", StringComparison.Ordinal));
    }

    private static bool GatewayDraining((int Code, string Out, string Err) gateways, string gatewayId) =>
        JsonDocument.Parse(gateways.Out).RootElement.EnumerateArray()
            .Any(g => g.GetProperty("gatewayId").GetString() == gatewayId && g.GetProperty("draining").GetBoolean());

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithKeyAsync(OperationsCluster.AdminKey, args);

    private async Task<(int Code, string Out, string Err)> RunWithKeyAsync(string key, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var url = $"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}";
        var code = await OrleansMmo.Mmoctl.Program.RunAsync([.. args, "--url", url, "--key", key], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
