using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansMmo.Silo.Storage;

/// <summary>Runs the <see cref="SchemaMigrator"/> during silo start, before grain storage initialises.</summary>
/// <remarks>
/// Orleans' ADO.NET storage reads its queries from <c>OrleansQuery</c> once, in its own start step at
/// <see cref="AdoNetGrainStorageOptions.InitStage"/> (ApplicationServices, 10000, by default). The
/// migrator runs at RuntimeStorageServices (6000), or just before the storage if someone moves its
/// stage earlier, so the schema and queries are always in place first. A failed migration fails the
/// silo start: a silo that cannot store state must not join the cluster.
/// </remarks>
internal sealed class SchemaMigrationParticipant(SchemaMigrator migrator, IOptionsMonitor<AdoNetGrainStorageOptions> storageOptions)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        var storageStage = storageOptions.Get(StorageHostingExtensions.AdoNetProviderName).InitStage;
        var stage = Math.Min(ServiceLifecycleStage.RuntimeStorageServices, storageStage - 1);
        lifecycle.Subscribe(nameof(SchemaMigrator), stage, migrator.MigrateAsync);
    }
}
