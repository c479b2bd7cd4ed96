using Microsoft.Extensions.Options;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Settings a cluster of several silos cannot run safely without refuse the start (docs/security.md).</summary>
[Trait("Category", "Cluster")]
public class ClusterStartTests
{
    [Fact]
    public async Task ASiloOfARedisClusterWithoutATicketSigningKeyRefusesToStart()
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansmmo-tests", "nokey-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        await using var silo = OrleansMmo.Silo.Program.BuildApp(
        [
            "--ConnectionStrings:Redis=" + TestServers.RedisConfiguration,
            "--Cluster:ClusterId=nokey-" + Guid.NewGuid().ToString("N")[..8],
            "--Cluster:SiloPort=" + LoopbackPorts.FreeTcp(),
            "--Cluster:GatewayPort=" + LoopbackPorts.FreeTcp(),
            "--Admin:Port=0",
            "--Storage:SqlitePath=" + Path.Combine(data, "game.db"),
            "--World:GameDataPath=" + Path.Combine(AppContext.BaseDirectory, "TestGameData"),
        ]);

        // Before this check each silo signed with its own random key and only logged a warning: tickets issued by
        // one silo were refused by the others.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());
        Assert.Contains("Tickets:SigningKey", error.Message, StringComparison.Ordinal);
    }
}
