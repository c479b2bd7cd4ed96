using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Diagnostics;
using OrleansMmo.Silo.Storage;
namespace OrleansMmo.Tests.Persistence;
public sealed class TmpFixtureWriter
{
    [Fact]
    public async Task Write()
    {
        var path = OrleansMmo.Tests.Infrastructure.TestServers.NewSqliteFilePath("fx");
        await using var silo = await StorageTestSilo.StartAsync(StorageSiloFixture.Settings(new StorageOptions { SqlitePath = path }));
        var serializer = silo.Services.GetRequiredService<Serializer>();
        var dir = "/work/wt-persist/Tests/Persistence/Fixtures";
        File.WriteAllBytes(Path.Combine(dir, "canary-state.bin"), serializer.SerializeToArray(StoredFormatTests.CanaryFixture));
        File.WriteAllBytes(Path.Combine(dir, "account-state.bin"), serializer.SerializeToArray(StoredFormatTests.AccountFixture));
    }
}
