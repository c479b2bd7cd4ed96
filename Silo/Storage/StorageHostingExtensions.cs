using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Silo.Storage.Operations;

namespace OrleansMmo.Silo.Storage;

public static class StorageHostingExtensions
{
    /// <summary>
    /// Name of Orleans' ADO.NET provider instance (its options, logs and lifecycle step). Grains use
    /// <see cref="StorageNames.Game"/>, which wraps it in <see cref="GrainIdentityStorage"/>.
    /// </summary>
    public const string AdoNetProviderName = StorageNames.Game + "-adonet";

    /// <summary>
    /// Grain storage <see cref="StorageNames.Game"/> (also the default provider) on Orleans' ADO.NET
    /// provider: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, else a SQLite file at
    /// <c>Storage:SqlitePath</c>. The schema is created or upgraded during silo start, before the
    /// provider reads its queries.
    /// </summary>
    public static ISiloBuilder AddMmoGrainStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .Configure(o => o.PostgresConnectionString = configuration.GetConnectionString(StorageOptions.PostgresConnectionStringName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(sp => new GameDatabase(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<SchemaMigrator>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaMigrationParticipant>();
        // Audit log, play sessions and gateway sightings: rows in the same database (migration 0003).
        services.TryAddSingleton<IOperationsStore, SqlOperationsStore>();
        // The names claimed before confusable skeletons, for their one-time migration (docs/persistence.md).
        services.TryAddSingleton<OrleansMmo.Grains.Accounts.ILegacyCharacterNames, SqlLegacyCharacterNames>();

        silo.AddAdoNetGrainStorage(AdoNetProviderName, options => options.Configure<GameDatabase, Serializer>((o, database, serializer) =>
        {
            o.Invariant = database.AdoInvariant;
            // A data source rather than a connection string: it applies SQLite's per-connection
            // pragmas, and it is owned (and disposed) by the container, not by Orleans.
            o.DataSource = database.DataSource;
            // Orleans' binary serializer identifies fields by [Id] and types by [Alias], so renaming
            // or moving a state type keeps stored state readable. The default JSON serializer stores
            // .NET type names instead.
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            // Clear keeps the row and bumps its version: see ClearStorageKey.sql.
            o.DeleteStateOnClear = false;
        }));

        services.AddKeyedSingleton<IGrainStorage>(
            StorageNames.Game,
            (sp, _) =>
            {
                // On SQLite every storage call runs on the database's own threads (StorageOptions.SqliteThreads).
                var adoNet = sp.GetRequiredKeyedService<IGrainStorage>(AdoNetProviderName);
                var database = sp.GetRequiredService<GameDatabase>();
                return new GrainIdentityStorage(database.HasSqliteThreads ? new SqliteThreadsStorage(adoNet, database) : adoNet);
            });

        // The same instance under the default name, for [PersistentState] without a provider name.
        services.AddKeyedSingleton<IGrainStorage>(
            ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game));
        services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        return silo;
    }
}
